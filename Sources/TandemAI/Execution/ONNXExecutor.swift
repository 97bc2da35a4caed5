import CRedisModule
import ONNX
import Synchronization
import TandemNN
import TandemONNX
import TandemTensor

/// The ONNX backend: TandemONNX. `AI.MODELSTORE … ONNX` parses the blob once (on a worker;
/// a bad blob is refused then, with the reason) and prepares it on one of two paths:
///
/// - the fast path, when ``DiffusionResNetRecognizer`` recognizes a DiffusionResNet
///   (TandemONNX's export or PyTorch's export of the same network): TandemNN's fused
///   predictor, reading the stored input's bytes and writing the output's directly
///   (``FusedONNXModel``);
/// - otherwise the general runtime, ``ONNXSession`` (``ONNXLoadedModel``).
///
/// Each `AI.MODELEXECUTE` runs the prepared model on a worker. Both paths are reentrant,
/// so several workers may run one model at once.
struct ONNXExecutor: ModelExecutor {
    var version: String { "TandemONNX 1.0 (opset \(ONNXGraphBuilder.opsetVersion))" }

    func load(_ blob: UnsafeRawBufferPointer, options: ModelOptions) throws(ModelExecutionError) -> any LoadedModel {
        do throws(ONNXError) {
            let model = try ONNXModel(serialized: Array(blob))
            switch DiffusionResNetRecognizer.recognize(model) {
            case .recognized(let network):
                let threads = options.threadsPerRun
                Log.notice("ONNX model on the fast path: \(network.model.architecture) on \(network.height)x\(network.width) runs on TandemNN's fused predictor, \(threads) thread(s) per run")
                return FusedONNXModel(session: FusedSession(network: network, threads: threads))
            case .notRecognized(let reason):
                let session = try ONNXSession(model: model)
                Log.notice("ONNX model on the general runtime (not a DiffusionResNet TandemNN can fuse: \(reason))")
                return ONNXLoadedModel(session: session)
            }
        } catch {
            throw ModelExecutionError("ERR \(error.description)")
        }
    }

    /// A runtime's input error as RedisAI replies it: onnxruntime's wording, dimension
    /// errors without `ERR `.
    static func executionError(_ error: ONNXError) -> ModelExecutionError {
        switch error {
        case .invalid(let message) where message.hasPrefix("Got invalid dimensions"): ModelExecutionError(message)
        case .invalid(let message): ModelExecutionError("ERR \(message)")
        default: ModelExecutionError("ERR \(error.description)")
        }
    }
}

extension ModelOptions {
    /// Threads one run of a model may use: `INTRA_OP_PARALLELISM`, or by default the
    /// processors shared out between the queue's worker threads (at least one each).
    var threadsPerRun: Int {
        intraOpParallelism > 0 ? intraOpParallelism : max(1, ComputePool.processorCount / max(threadsPerQueue, 1))
    }
}

/// A planned ONNX model on the general runtime.
final class ONNXLoadedModel: LoadedModel, @unchecked Sendable {
    let session: ONNXSession
    init(session: ONNXSession) { self.session = session }

    var inputNames: [String] { session.inputNames }
    var outputNames: [String] { session.outputNames }

    /// Runs the model; input problems get onnxruntime's wording, as RedisAI replies them.
    func run(_ inputs: [Tensor]) throws(ModelExecutionError) -> [Tensor] {
        do throws(ONNXError) {
            return try session.run(inputs)
        } catch {
            throw ONNXExecutor.executionError(error)
        }
    }
}

/// A recognized DiffusionResNet on the fast path. ``ModelRunJob`` hands it the stored
/// input tensor; the predictor reads those bytes in place (copied once only when they are
/// not 4-byte aligned) and writes the output straight into the new tensor's
/// Redis-allocated buffer.
final class FusedONNXModel: StoredTensorModel, @unchecked Sendable {
    let session: FusedSession
    /// Nanoseconds per sample of the latest runs (a moving average; 0 before the first run).
    private let nanosecondsPerSample = Atomic<Int>(0)

    init(session: FusedSession) { self.session = session }

    /// How long a run of `batch` samples is expected to take, from the model's earlier
    /// runs; `nil` before its first run.
    func expectedMicroseconds(batch: Int) -> Int? {
        let perSample = nanosecondsPerSample.load(ordering: .relaxed)
        guard perSample > 0 else { return nil }
        let (total, overflow) = perSample.multipliedReportingOverflow(by: max(batch, 1))
        return overflow ? Int.max : total / 1000
    }

    var inputNames: [String] { [session.inputName] }
    var outputNames: [String] { [session.outputName] }

    func run(_ inputs: [Tensor]) throws(ModelExecutionError) -> [Tensor] {
        do throws(ONNXError) {
            return try session.run(inputs)
        } catch {
            throw ONNXExecutor.executionError(error)
        }
    }

    func run(values inputs: [TensorValue]) throws(ModelExecutionError) -> [TensorValue] {
        guard inputs.count == 1 else { throw ModelExecutionError("ERR Expected 1 inputs but got \(inputs.count)") }
        let input = inputs[0]
        guard !input.shape.isEmpty else { throw ModelExecutionError("ERR scalar tensors (no dimensions) cannot be model inputs") }
        var shape: [Int] = []
        for d in input.shape {
            guard let v = Int(exactly: d) else { throw ModelExecutionError("ERR tensor dimension \(d) is out of range") }
            shape.append(v)
        }
        let batch: Int
        do throws(ONNXError) {
            batch = try session.validate(dtype: input.dtype, shape: shape)
        } catch {
            throw ONNXExecutor.executionError(error)
        }
        let byteCount = input.count * MemoryLayout<Float>.size
        guard input.byteCount == byteCount, let output = rm_alloc(max(byteCount, 1)) else {
            throw ModelExecutionError("ERR the input tensor holds \(input.byteCount) bytes, not \(byteCount)")
        }
        let destination = output.bindMemory(to: Float.self, capacity: input.count)
        let start = BlockedJob.now()
        defer {
            if batch > 0 {
                let measured = Int(clamping: (BlockedJob.now() &- start) / UInt64(batch))
                let previous = nanosecondsPerSample.load(ordering: .relaxed)
                nanosecondsPerSample.store(previous == 0 ? measured : (3 * previous + measured) / 4, ordering: .relaxed)
            }
        }
        if Int(bitPattern: input.data) % MemoryLayout<Float>.alignment == 0 {
            session.run(nhwc: input.data.assumingMemoryBound(to: Float.self), batch: batch, into: destination)
        } else {
            let aligned = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 16)
            defer { aligned.deallocate() }
            aligned.copyMemory(from: input.data, byteCount: byteCount)
            session.run(nhwc: aligned.assumingMemoryBound(to: Float.self), batch: batch, into: destination)
        }
        return [TensorValue(dtype: .float, shape: input.shape, count: input.count, adopting: output, byteCount: byteCount)]
    }
}
