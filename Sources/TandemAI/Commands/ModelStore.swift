import CRedisModule

/// `AI.MODELSTORE` and the deprecated `AI.MODELSET` (see “Commands” in
/// Documentation/RedisModule.md).
///
/// Parsing is sequential, in RedisAI's order, and reports the first problem. ONNX is built
/// in; TORCH loads its backend library on first use; TF and TFLITE are parsed fully, then
/// refused with a message naming what is supported. The model
/// is prepared on a worker (the client blocks meanwhile) unless blocking is not allowed
/// (MULTI, Lua, AOF loading, replication), where it is prepared inline.
enum ModelStore {
    static func store(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count >= 6 else { throw .wrongArity("AI.MODELSTORE") }
        var parser = Parser(args: args, index: 2)
        let definition = try parser.storeHeader()
        let blob = try parser.blobChunks()
        try save(definition, blob: blob, in: ctx, args: args)
    }

    static func set(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count >= 4 else { throw .wrongArity("AI.MODELSET") }
        var parser = Parser(args: args, index: 2)
        let definition = try parser.setHeader()
        let blob = try parser.blobChunks()
        try save(definition, blob: blob, in: ctx, args: args)
    }

    /// Loads the backend on first use (refusing backends TandemAI has none for), checks the
    /// key's type, copies the blob, then prepares and stores the model.
    private static func save(_ definition: ModelDefinition, blob: Range<Int>, in ctx: Context,
                             args: Arguments) throws(CommandError) {
        if ModelExecutors.executor(for: definition.backend) == nil { _ = try Backends.require(definition.backend) }
        guard let name = args[1] else { throw .wrongArity("AI.MODELSTORE") }
        try ctx.withKey(name, write: true) { key throws(CommandError) in try key.requireEmptyOr(DataTypes.model) }
        var total = 0
        for i in blob {
            let (sum, overflow) = total.addingReportingOverflow(args.bytes(i).count)
            guard !overflow else { throw CommandError("ERR model blob is too large") }
            total = sum
        }
        guard let data = rm_alloc(max(total, 1)) else { throw CommandError("ERR model blob is too large") }
        var offset = 0
        for i in blob {
            let chunk = args.bytes(i)
            if let base = chunk.baseAddress, chunk.count > 0 { (data + offset).copyMemory(from: base, byteCount: chunk.count) }
            offset += chunk.count
        }
        let config = Configuration.current
        let options = ModelOptions(device: definition.deviceName, interOpParallelism: config.interOpParallelism,
                                   intraOpParallelism: config.intraOpParallelism, threadsPerQueue: config.threadsPerQueue,
                                   executionTimeout: config.modelExecutionTimeout)
        let job = ModelStoreJob(definition: definition, key: name, keyBytes: args.array(1),
                                blob: data, blobCount: total, options: options)
        if ctx.mayBlock, let pool = WorkerPool.pool(forDevice: definition.device) {
            try job.start(in: ctx, pool: pool)
        } else {
            job.execute()
            defer { job.releaseOnMainThread() }
            try job.reply(ctx)
        }
    }

    /// A cursor over the arguments after `<key>`.
    private struct Parser {
        let args: Arguments
        var index: Int

        mutating func storeHeader() throws(CommandError) -> ModelDefinition {
            guard let backend = Backend(argument: args.bytes(index)) else { throw CommandError("ERR unsupported backend") }
            let device = args.bytes(index + 1)
            guard isValidDevice(device) else { throw CommandError("ERR Invalid DEVICE") }
            var definition = ModelDefinition(backend: backend, device: Array(device))
            index += 2
            try options(into: &definition, deprecated: false)
            guard index < args.count else { throw CommandError("ERR Insufficient arguments, missing model BLOB") }
            if backend == .tf {
                definition.inputs = try namedList("INPUTS", "input")
                definition.outputs = try namedList("OUTPUTS", "output")
            } else if args.matches(index, "INPUTS") {
                throw CommandError("ERR INPUTS argument should not be specified for this backend")
            }
            return definition
        }

        mutating func setHeader() throws(CommandError) -> ModelDefinition {
            guard let backend = Backend(argument: args.bytes(index)) else { throw CommandError("ERR unsupported backend") }
            guard index + 1 < args.count else { throw CommandError("ERR Invalid DEVICE") }
            let device = args.bytes(index + 1)
            let keywords: [StaticString] = ["INPUTS", "OUTPUTS", "TAG", "BATCHSIZE", "MINBATCHSIZE", "MINBATCHTIMEOUT", "BLOB"]
            guard device.count <= 10, !keywords.contains(where: { args.matches(index + 1, $0) }) else {
                throw CommandError("ERR Invalid DEVICE")
            }
            var definition = ModelDefinition(backend: backend, device: Array(device))
            index += 2
            try options(into: &definition, deprecated: true)
            if backend == .tf {
                guard index < args.count, !args.matches(index, "BLOB") else {
                    throw CommandError("ERR Insufficient arguments, INPUTS and OUTPUTS not specified")
                }
                guard args.matches(index, "INPUTS") else { throw CommandError("ERR INPUTS not specified") }
                index += 1
                while index < args.count && !args.matches(index, "OUTPUTS") && !args.matches(index, "BLOB") {
                    definition.inputs.append(args.text(index)); index += 1
                }
                guard args.matches(index, "OUTPUTS") else { throw CommandError("ERR OUTPUTS not specified") }
                index += 1
                while index < args.count && !args.matches(index, "BLOB") {
                    definition.outputs.append(args.text(index)); index += 1
                }
            } else {
                // Other backends: an INPUTS/OUTPUTS section is ignored, as in RedisAI.
                while index < args.count && !args.matches(index, "BLOB") { index += 1 }
            }
            return definition
        }

        /// `[TAG t] [BATCHSIZE n] [MINBATCHSIZE m] [MINBATCHTIMEOUT t]`, in this order.
        private mutating func options(into definition: inout ModelDefinition, deprecated: Bool) throws(CommandError) {
            if args.matches(index, "TAG") {
                guard index + 1 < args.count else { throw CommandError("ERR Insufficient arguments, missing model BLOB") }
                definition.tag = args.array(index + 1)
                index += 2
            }
            if args.matches(index, "BATCHSIZE") {
                if deprecated && definition.backend == .tflite {
                    throw CommandError("ERR Auto-batching not supported by the TFLITE backend")
                }
                definition.batchSize = try nonNegative(index + 1, "BATCHSIZE")
                index += 2
            }
            if args.matches(index, "MINBATCHSIZE") {
                if deprecated && definition.batchSize == 0 {
                    throw CommandError("ERR MINBATCHSIZE specified without BATCHSIZE")
                }
                definition.minBatchSize = try nonNegative(index + 1, "MINBATCHSIZE")
                if definition.minBatchSize > 0 && definition.batchSize == 0 {
                    throw CommandError("ERR MINBATCHSIZE specified without BATCHSIZE")
                }
                index += 2
            }
            if args.matches(index, "MINBATCHTIMEOUT") {
                if deprecated && definition.batchSize == 0 {
                    throw CommandError("ERR MINBATCHTIMEOUT specified without BATCHSIZE")
                }
                definition.minBatchTimeout = try nonNegative(index + 1, "MINBATCHTIMEOUT")
                if definition.minBatchTimeout > 0 && definition.minBatchSize == 0 {
                    throw CommandError("ERR MINBATCHTIMEOUT specified without MINBATCHSIZE")
                }
                index += 2
            }
        }

        private func nonNegative(_ position: Int, _ name: String) throws(CommandError) -> Int64 {
            guard let value = args.integerAllowingIntegralDecimal(position), value >= 0 else {
                throw CommandError("ERR Invalid argument for \(name)")
            }
            return value
        }

        /// TF's `INPUTS <n> <name>…` / `OUTPUTS <n> <name>…`, after the options.
        private mutating func namedList(_ keyword: StaticString, _ noun: String) throws(CommandError) -> [String] {
            guard args.matches(index, keyword) else { throw CommandError("ERR \(keyword) not specified for TF") }
            guard let count = args.integerAllowingIntegralDecimal(index + 1), count > 0 else {
                throw CommandError("ERR Invalid argument for \(noun)_count")
            }
            guard count <= Int64(args.count - index - 2) else {
                throw CommandError("ERR number of model \(noun)s does not match the number of given arguments")
            }
            let first = index + 2
            index = first + Int(count)
            return (first..<index).map { args.text($0) }
        }

        /// `BLOB <chunk> …`: the argument range of the chunks.
        mutating func blobChunks() throws(CommandError) -> Range<Int> {
            guard index < args.count else { throw CommandError("ERR Insufficient arguments, missing model BLOB") }
            guard args.matches(index, "BLOB") else { throw CommandError("ERR Invalid argument, expected BLOB") }
            guard index + 1 < args.count else { throw CommandError("ERR Insufficient arguments, missing model BLOB") }
            return (index + 1)..<args.count
        }

        /// `CPU`, `GPU`, or either followed by `:` and digits only; shorter than 10 bytes.
        private func isValidDevice(_ device: UnsafeRawBufferPointer) -> Bool {
            guard device.count >= 3, device.count < 10 else { return false }
            let kind = (Arguments.upper(device[0]), Arguments.upper(device[1]), Arguments.upper(device[2]))
            guard kind == (67, 80, 85) || kind == (71, 80, 85) else { return false }  // CPU, GPU
            if device.count == 3 { return true }
            guard device[3] == UInt8(ascii: ":") else { return false }
            return device[4...].allSatisfy { $0 >= 48 && $0 <= 57 }
        }
    }
}

/// Prepares a stored model on a worker, then stores it on the main thread (see
/// “Blocked clients” in Documentation/RedisModule.md).
final class ModelStoreJob: BlockedJob, @unchecked Sendable {
    private let definition: ModelDefinition
    private let key: OpaquePointer?
    private let keyBytes: [UInt8]
    private var blob: UnsafeMutableRawPointer?
    private let blobCount: Int
    private let options: ModelOptions
    private var model: ModelValue?
    private var failure: String?

    /// Takes `blob` (from `RedisModule_Alloc`) and keeps its own copy of the key name.
    init(definition: ModelDefinition, key: OpaquePointer, keyBytes: [UInt8], blob: UnsafeMutableRawPointer,
         blobCount: Int, options: ModelOptions) {
        self.definition = definition
        self.key = rm_create_string_from_string(nil, key)
        self.keyBytes = keyBytes
        self.blob = blob
        self.blobCount = blobCount
        self.options = options
    }

    deinit { if let blob { rm_free(blob) } }

    override func execute() {
        guard let blob else { return }
        self.blob = nil
        do throws(ModelExecutionError) {
            model = try ModelValue.prepare(definition, key: keyBytes, adopting: blob, blobCount: blobCount, options: options)
        } catch {
            failure = error.message
        }
    }

    override func reply(_ ctx: Context) throws(CommandError) {
        if let failure { throw CommandError(failure) }
        guard let model, let key else { throw CommandError("ERR could not save model") }
        // Another client may have written the key while the model was prepared.
        try ctx.withKey(key, write: true) { handle throws(CommandError) in
            try handle.requireEmptyOr(DataTypes.model)
            try handle.set(model, as: DataTypes.model, what: "model")
        }
        Statistics.register(model.stats)
        ctx.replicateVerbatim()
        ctx.replyOK()
    }

    /// Frees the key name and drops the job's model reference here, on the main thread, so
    /// that the model's lifetime (and its statistics entry) ends with its key, never later
    /// on a worker that still holds the job.
    override func releaseOnMainThread() {
        if let key { rm_free_string(nil, key) }
        model = nil
    }
}
