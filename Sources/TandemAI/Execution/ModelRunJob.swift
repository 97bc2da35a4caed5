import CRedisModule
import TandemTensor

/// One model run on a worker: inputs captured on the main thread, outputs written back on
/// the main thread once it finishes (see “Worker threads and model runs” in
/// Documentation/RedisModule.md).
final class ModelRunJob: BlockedJob, @unchecked Sendable {
    /// Dropped on the main thread when the job is freed (see ``releaseOnMainThread()``).
    private(set) var model: ModelValue?
    let inputs: [TensorValue]
    /// Output key names, our own copies (freed on the main thread).
    private let outputKeys: [OpaquePointer]
    /// Milliseconds the job may wait in the queue (0: no limit).
    private let timeout: Int64
    /// Whether and with which requests this run may join a batch (models stored with
    /// `BATCHSIZE`; see ``BatchRun``), and the model's batching settings.
    let signature: BatchSignature?
    let limits: BatchLimits?
    /// Set by the worker (``execute()`` or ``BatchRun``), read by ``reply(_:)``.
    var outputs: [TensorValue] = []
    var failure: String?
    var timedOut = false

    init(model: ModelValue, inputs: [TensorValue], outputKeys: [OpaquePointer], timeout: Int64) {
        self.model = model
        self.inputs = inputs
        self.outputKeys = outputKeys.compactMap { rm_create_string_from_string(nil, $0) }
        self.timeout = timeout
        signature = BatchSignature(model: model, inputs: inputs)
        limits = signature == nil ? nil : BatchLimits(model.definition)
    }

    /// The number of outputs the client named.
    var outputCount: Int { outputKeys.count }

    /// When the job times out in the queue (monotonic nanoseconds), or `nil` without a
    /// `TIMEOUT`. As in RedisAI, the job times out once more than `TIMEOUT` whole
    /// milliseconds have passed since it was queued, that is `TIMEOUT + 1` ms after.
    var expiresAt: UInt64? {
        guard timeout > 0 else { return nil }
        let (span, overflow) = (UInt64(timeout) + 1).multipliedReportingOverflow(by: 1_000_000)
        return overflow ? UInt64.max : queuedAt &+ min(span, UInt64.max - queuedAt)
    }

    /// Whether the job has timed out in the queue at `now`.
    func hasExpired(at now: UInt64) -> Bool {
        guard let end = expiresAt else { return false }
        return now >= end
    }

    override func execute() {
        guard let model else { return }
        let start = BlockedJob.now()
        if hasExpired(at: start) {
            timedOut = true
            return
        }
        do throws(ModelExecutionError) {
            outputs = try ModelRunJob.run(model, inputs: inputs, outputCount: outputKeys.count)
        } catch {
            failure = error.message
        }
        let microseconds = Int64(clamping: (BlockedJob.now() &- start) / 1000)
        let samples = outputs.first?.shape.first ?? 0
        Statistics.record(model.stats, microseconds: microseconds, samples: samples, failed: failure != nil)
    }

    /// Runs `model` once on `inputs` (one request's, or a batch's joined inputs) and checks
    /// it gave `outputCount` outputs. Worker thread.
    static func run(_ model: ModelValue, inputs: [TensorValue], outputCount: Int) throws(ModelExecutionError) -> [TensorValue] {
        guard let session = model.session else {
            throw ModelExecutionError(model.sessionError ?? ModelExecutors.notLoaded(model.definition.backend))
        }
        let results: [TensorValue]
        if let direct = session as? any StoredTensorModel {
            results = try direct.run(values: inputs)
        } else {
            var tensors: [Tensor] = []
            tensors.reserveCapacity(inputs.count)
            for input in inputs {
                guard let tensor = input.makeTensor() else {
                    throw ModelExecutionError("ERR scalar tensors (no dimensions) cannot be model inputs")
                }
                tensors.append(tensor)
            }
            results = try session.run(tensors).map { TensorValue.copying($0) }
        }
        guard results.count == outputCount else {
            throw ModelExecutionError("ERR Model did not generate the expected number of outputs")
        }
        return results
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
