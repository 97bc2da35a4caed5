import Glibc
import ONNX
import TandemNN
import TandemTensor

/// A recognized DiffusionResNet run by TandemNN's fused ``Predictor``: the fast path for
/// an ONNX model that ``DiffusionResNetRecognizer`` maps onto TandemNN.
///
/// It validates inputs with the general runtime's rules and wording (float32, rank 4, the
/// declared grid, channels and batch), then runs the whole network per group of samples
/// in one thread's cache instead of operator by operator. Results equal
/// ``ONNXSession``'s on the same model to float rounding (within 1e-5 of the output's magnitude in the tests).
///
/// Runs may come from several threads at once: each takes a predictor of its own (made on
/// first need, kept for the next run), so concurrent runs share weights, never buffers.
///
/// ```swift
/// let model = try ONNXModel(serialized: bytes)
/// if let session = FusedSession(model: model, threads: 2) {
///     let output = try session.run(input)   // [N, H, W, C] → same shape
/// }
/// ```
public final class FusedSession: @unchecked Sendable {
    /// The recognized network and its declared input.
    public let network: DiffusionResNetRecognizer.Network
    /// Threads per run (the predictor's compute pool, the calling thread included).
    public let threads: Int
    /// The instruction set the kernels run.
    public let kernels: KernelSet
    private var spare: [Predictor<Float>] = []
    private var mutex = pthread_mutex_t()

    /// The fast path for `model`, or `nil` when the recognizer does not map it onto
    /// TandemNN (``DiffusionResNetRecognizer/recognize(_:)`` says why).
    ///
    /// - Parameter threads: threads per run, at least 1 (values above 64 are capped).
    public convenience init?(model: ONNXModel, threads: Int = ComputePool.processorCount, kernels: KernelSet = .active) {
        guard case .recognized(let network) = DiffusionResNetRecognizer.recognize(model) else { return nil }
        self.init(network: network, threads: threads, kernels: kernels)
    }

    /// The fast path for a recognized network.
    public init(network: DiffusionResNetRecognizer.Network, threads: Int = ComputePool.processorCount, kernels: KernelSet = .active) {
        self.network = network
        self.threads = min(max(threads, 1), 64)
        self.kernels = kernels
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    /// The input's name (the model's only input).
    public var inputName: String { network.inputName }
    /// The output's name (the model's only output).
    public var outputName: String { network.outputName }

    /// Checks an input's type and shape as ``ONNXSession/run(_:)`` does, with the same
    /// messages; returns the batch size.
    public func validate(dtype: DType, shape: [Int]) throws(ONNXError) -> Int {
        guard dtype == .float else {
            throw .invalid("Unexpected input data type. Actual: (tensor(\(dtype.rawValue.lowercased()))) , expected: (tensor(float))")
        }
        guard shape.count == 4 else {
            throw .invalid("Invalid rank for input: \(inputName) Got: \(shape.count) Expected: 4 Please fix either the inputs or the model.")
        }
        let declared = [network.batch, network.height, network.width, network.model.channels]
        for (axis, (want, got)) in zip(declared, shape).enumerated() {
            if let want, want != got {
                throw .invalid("Got invalid dimensions for input: \(inputName) for the following indices index: \(axis) Got: \(got) Expected: \(want) Please fix either the inputs or the model.")
            }
        }
        guard shape[0] >= 0 else { throw .invalid("Got invalid dimensions for input: \(inputName): negative batch \(shape[0])") }
        return shape[0]
    }

    /// Runs `batch` samples (NHWC, the declared grid) from `input` into `output`, which
    /// holds as many values; the buffers must not overlap. Validate the shape first.
    public func run(nhwc input: UnsafePointer<Float>, batch: Int, into output: UnsafeMutablePointer<Float>) {
        guard batch > 0 else { return }
        let predictor = take()
        defer { give(predictor) }
        predictor.predict(nhwc: input, batch: batch, height: network.height, width: network.width, into: output)
    }

    /// Runs the model on one tensor `[N, H, W, C]` (the interface of ``ONNXSession/run(_:)``).
    ///
    /// - Throws: ``ONNXError`` when there is not exactly one input or it does not fit.
    public func run(_ inputs: [Tensor]) throws(ONNXError) -> [Tensor] {
        guard inputs.count == 1 else { throw .invalid("Expected 1 inputs but got \(inputs.count)") }
        let input = inputs[0]
        let batch = try validate(dtype: input.dtype, shape: input.shape)
        var result = [Float](repeating: 0, count: input.count)
        input.withUnsafeBufferPointer(as: Float.self) { source in
            result.withUnsafeMutableBufferPointer { destination in
                if let from = source.baseAddress, let to = destination.baseAddress { run(nhwc: from, batch: batch, into: to) }
            }
        }
        return [Tensor(shape: input.shape, scalars: result)]
    }

    private func take() -> Predictor<Float> {
        pthread_mutex_lock(&mutex)
        let predictor = spare.popLast()
        pthread_mutex_unlock(&mutex)
        return predictor ?? Predictor(model: network.model, threads: threads, kernels: kernels)
    }

    private func give(_ predictor: Predictor<Float>) {
        pthread_mutex_lock(&mutex)
        spare.append(predictor)
        pthread_mutex_unlock(&mutex)
    }
}
