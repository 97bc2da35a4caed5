import CRedisModule

/// One script run on a worker: inputs captured on the main thread, outputs written back on
/// the main thread once it finishes, as ``ModelRunJob`` does for models.
final class ScriptRunJob: BlockedJob, @unchecked Sendable {
    /// Dropped on the main thread when the job is freed (see ``releaseOnMainThread()``).
    private var script: ScriptValue?
    private let function: String
    private let inputs: [TensorValue]
    private let variadicStart: Int?
    private let keys: [[UInt8]]
    private let arguments: [[UInt8]]
    /// Output key names, our own copies (freed on the main thread).
    private let outputKeys: [OpaquePointer]
    /// Milliseconds the job may wait in the queue (0: no limit).
    private let timeout: Int64
    private var outputs: [TensorValue] = []
    private var failure: String?
    private var timedOut = false

    init(script: ScriptValue, function: String, inputs: [TensorValue], variadicStart: Int?, keys: [[UInt8]],
         arguments: [[UInt8]], outputKeys: [OpaquePointer], timeout: Int64) {
        self.script = script
        self.function = function
        self.inputs = inputs
        self.variadicStart = variadicStart
        self.keys = keys
        self.arguments = arguments
        self.outputKeys = outputKeys.compactMap { rm_create_string_from_string(nil, $0) }
        self.timeout = timeout
    }

    override func execute() {
        guard let script else { return }
        let start = BlockedJob.now()
        if timeout > 0 && (start &- queuedAt) / 1_000_000 > UInt64(timeout) {
            timedOut = true
            return
        }
        do throws(BackendError) {
            guard let compiled = script.compiled else {
                throw BackendError(script.compileError ?? ModelExecutors.notLoaded(.torch))
            }
            let results = try compiled.run(function, inputs: inputs, variadicStart: variadicStart, keys: keys, args: arguments)
            guard results.count == outputKeys.count else {
                throw BackendError("Function returned unexpected number of outputs - \(function) (\(results.count) returned, \(outputKeys.count) OUTPUTS given)")
            }
            outputs = results
        } catch {
            failure = error.message
        }
        let microseconds = Int64(clamping: (BlockedJob.now() &- start) / 1000)
        Statistics.record(script.stats, microseconds: microseconds, samples: 0, failed: failure != nil)
    }

    /// `+TIMEDOUT`, the run's error, or: every output key checked first (one WRONGTYPE
    /// error, nothing written), then written and replicated, then `+OK`.
    override func reply(_ ctx: Context) throws(CommandError) {
        if timedOut { return ctx.replySimple("TIMEDOUT") }
        if let failure { throw CommandError(failure) }
        try ctx.storeOutputTensors(outputs, under: outputKeys)
        ctx.replyOK()
    }

    /// Frees the output names and drops the script reference on the main thread, so a
    /// deleted script's lifetime (and statistics) never outlasts its key on a worker.
    override func releaseOnMainThread() {
        for key in outputKeys { rm_free_string(nil, key) }
        script = nil
    }
}
