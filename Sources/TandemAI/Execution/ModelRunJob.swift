import CRedisModule
import TandemTensor

/// One model run on a worker: inputs captured on the main thread, outputs written back on
/// the main thread once it finishes (see “Worker threads and model runs” in
/// Documentation/RedisModule.md).
final class ModelRunJob: BlockedJob, @unchecked Sendable {
    /// Dropped on the main thread when the job is freed (see ``releaseOnMainThread()``).
    private var model: ModelValue?
    private let inputs: [TensorValue]
    /// Output key names, our own copies (freed on the main thread).
    private let outputKeys: [OpaquePointer]
    /// Milliseconds the job may wait in the queue (0: no limit).
    private let timeout: Int64
    private var outputs: [TensorValue] = []
    private var failure: String?
    private var timedOut = false

    init(model: ModelValue, inputs: [TensorValue], outputKeys: [OpaquePointer], timeout: Int64) {
        self.model = model
        self.inputs = inputs
        self.outputKeys = outputKeys.compactMap { rm_create_string_from_string(nil, $0) }
        self.timeout = timeout
    }

    override func execute() {
        guard let model else { return }
        let start = BlockedJob.now()
        if timeout > 0 && (start &- queuedAt) / 1_000_000 > UInt64(timeout) {
            timedOut = true
            return
        }
        do throws(ModelExecutionError) {
            outputs = try run(model)
        } catch {
            failure = error.message
        }
        let microseconds = Int64(clamping: (BlockedJob.now() &- start) / 1000)
        let samples = outputs.first?.shape.first ?? 0
        Statistics.record(model.stats, microseconds: microseconds, samples: samples, failed: failure != nil)
    }

    private func run(_ model: ModelValue) throws(ModelExecutionError) -> [TensorValue] {
        guard let session = model.session else {
            throw ModelExecutionError(model.sessionError ?? ModelExecutors.notLoaded(model.definition.backend))
        }
        if let direct = session as? any StoredTensorModel {
            let results = try direct.run(values: inputs)
            guard results.count == outputKeys.count else {
                throw ModelExecutionError("ERR Model did not generate the expected number of outputs")
            }
            return results
        }
        var tensors: [Tensor] = []
        tensors.reserveCapacity(inputs.count)
        for input in inputs {
            guard let tensor = input.makeTensor() else {
                throw ModelExecutionError("ERR scalar tensors (no dimensions) cannot be model inputs")
            }
            tensors.append(tensor)
        }
        let results = try session.run(tensors)
        guard results.count == outputKeys.count else {
            throw ModelExecutionError("ERR Model did not generate the expected number of outputs")
        }
        return results.map { TensorValue.copying($0) }
    }

    /// `+TIMEDOUT`, the run's error, or: every output key checked first (one WRONGTYPE
    /// error, nothing written), then written and replicated, then `+OK`.
    override func reply(_ ctx: Context) throws(CommandError) {
        if timedOut { return ctx.replySimple("TIMEDOUT") }
        if let failure { throw CommandError(failure) }
        try ctx.storeOutputTensors(outputs, under: outputKeys)
        ctx.replyOK()
    }

    /// Frees the output names and drops the model reference on the main thread, so a
    /// deleted model's lifetime (and statistics) never outlasts its key on a worker.
    override func releaseOnMainThread() {
        for key in outputKeys { rm_free_string(nil, key) }
        model = nil
    }
}
