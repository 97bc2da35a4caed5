import TandemTensor

/// Inference for a ``DiffusionResNet``: batches `[N, H, W, C]` in, predictions out, with
/// samples spread over threads.
///
/// Inference treats samples independently (batch normalisation uses its moving
/// statistics), so each thread runs its own replica of the network (same parameters, own
/// buffers) over small groups of samples, which stay in the core's cache from the first
/// layer to the last. This is faster than running layer by layer over the whole batch.
///
/// A predictor is reentrant per instance: it keeps no global state, and separate
/// predictors (even of the same model) can run on separate threads at once. One predictor
/// serves one call at a time. The model's parameters must not change during a call.
///
/// ```swift
/// let predictor = Predictor(model: model, threads: 2)
/// let output = try predictor.predict(inputTensor)   // [N, H, W, 1] Float → same shape
/// ```
public final class Predictor<Scalar: NNScalar>: @unchecked Sendable {
    /// The network predicted with; its parameters are shared, never its buffers.
    public let model: DiffusionResNet<Scalar>
    /// Samples per task: a few samples amortise per-layer costs without leaving the cache.
    public let groupSize: Int
    /// The instruction set the kernels run.
    public let kernels: KernelSet
    private let replicas: [DiffusionResNet<Scalar>]
    private let inputs: [FeatureMap<Scalar>]
    private let pool: ComputePool
    private let inline = ComputePool(threads: 1)
    private let output = FeatureMap<Scalar>()

    /// Creates a predictor running on `threads` threads with the kernels of `kernels`
    /// (default: the process's).
    public init(model: DiffusionResNet<Scalar>, threads: Int = ComputePool.processorCount, groupSize: Int = 4,
                kernels: KernelSet = .active) {
        precondition(threads >= 1 && groupSize >= 1, "threads and group size must be positive")
        self.model = model
        self.kernels = kernels
        self.groupSize = groupSize
        // Every replica has buffers of its own, so predictors of the same model never share one.
        replicas = (0..<threads).map { _ in DiffusionResNet(sharing: model) }
        inputs = (0..<threads).map { _ in FeatureMap() }
        pool = ComputePool(threads: threads)
    }

    /// The model's inference-mode output for `input` (owned by the predictor; valid until
    /// its next call).
    ///
    /// - Precondition: `input.channels == model.channels`.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func predict(_ input: FeatureMap<Scalar>) -> FeatureMap<Scalar> {
        precondition(input.channels == model.channels, "the model expects \(model.channels) channels, got \(input.channels)")
        output.resize(like: input)
        let groups = (input.batch + groupSize - 1) / groupSize
        let per = input.channels * input.planeSize
        let context = PassContext(pool: inline, training: false, kernels: kernels)
        pool.run(tasks: groups) { group, worker in
            let first = group * self.groupSize, count = min(self.groupSize, input.batch - first)
            let slice = self.inputs[worker]
            slice.resize(batch: count, channels: input.channels, height: input.height, width: input.width)
            slice.pointer.update(from: input.pointer + first * per, count: count * per)
            let result = self.replicas[worker].infer(slice, context: context)
            (self.output.pointer + first * per).update(from: result.pointer, count: count * per)
        }
        return output
    }

    /// The model's inference-mode output for `batch` samples of `height × width ×
    /// model.channels` read from `input` (NHWC), written to `output` (NHWC, same size).
    ///
    /// Each thread reads its own samples straight from `input` and writes its results
    /// straight to `output`: no batch-sized copy on either side, so a caller can run on
    /// buffers it does not own (a stored tensor's bytes, a reply buffer).
    ///
    /// - Precondition: `batch ≥ 0`, `height ≥ 1`, `width ≥ 1`; both buffers hold
    ///   `batch · height · width · model.channels` values and do not overlap.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func predict(nhwc input: UnsafePointer<Scalar>, batch: Int, height: Int, width: Int,
                        into output: UnsafeMutablePointer<Scalar>) {
        precondition(batch >= 0 && height >= 1 && width >= 1, "predict needs a non-negative batch and a positive grid")
        let channels = model.channels
        let per = channels * height * width
        let groups = (batch + groupSize - 1) / groupSize
        let context = PassContext(pool: inline, training: false, kernels: kernels)
        pool.run(tasks: groups) { group, worker in
            let first = group * self.groupSize, count = min(self.groupSize, batch - first)
            let slice = self.inputs[worker]
            slice.resize(batch: count, channels: channels, height: height, width: width)
            slice.copyIn(nhwc: input + first * per)
            let result = self.replicas[worker].infer(slice, context: context)
            result.copyOut(nhwc: output + first * per)
        }
    }
}

extension Predictor {
    /// The model's inference-mode output for a tensor `[N, H, W, C]` of `Scalar`'s dtype,
    /// as a tensor of the same shape and type.
    ///
    /// - Throws: ``NNError/Code/invalidInput`` when the dtype is not `Scalar`'s, the rank
    ///   is not 4, or `C` is not the model's channel count. Nothing is computed then.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func predict(_ tensor: Tensor) throws(NNError) -> Tensor {
        guard tensor.dtype == Scalar.dtype else {
            throw NNError(.invalidInput, "the model computes in \(Scalar.dtype.rawValue), the input is \(tensor.dtype.rawValue)")
        }
        guard tensor.shape.count == 4, tensor.shape[3] == model.channels else {
            throw NNError(.invalidInput, "the model expects a tensor [N, H, W, \(model.channels)], got \(tensor.shape)")
        }
        let input = FeatureMap<Scalar>()
        input.resize(batch: tensor.shape[0], channels: tensor.shape[3], height: tensor.shape[1], width: tensor.shape[2])
        tensor.withUnsafeBufferPointer(as: Scalar.self) { input.copyIn(nhwc: $0.baseAddress!) }
        let result = predict(input)
        return Tensor(shape: tensor.shape, scalars: result.nhwc())
    }
}
