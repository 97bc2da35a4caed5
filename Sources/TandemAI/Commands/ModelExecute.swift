import CRedisModule

/// `AI.MODELEXECUTE <key> INPUTS <n> <in>… OUTPUTS <m> <out>… [TIMEOUT <ms>]` and
/// the deprecated `AI.MODELRUN <key> [TIMEOUT <ms>] INPUTS <in>… OUTPUTS <out>…`
/// (see “Commands” in Documentation/RedisModule.md).
///
/// Both parse on the main thread, take references to the model and the input tensors
/// (read with the command's own context, so the client's database), block the client and
/// queue a ``ModelRunJob`` on the model's device queue.
enum ModelExecute {
    /// A parsed model run: the model, and the argument indexes of its input and output names.
    struct Call {
        let model: ModelValue
        let inputs: Range<Int>
        let outputs: Range<Int>
        /// Milliseconds the run may wait in the queue (0: no limit).
        let timeout: Int64
    }

    static func execute(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        if ctx.isKeysPositionRequest { return KeyPositions.modelExecute(ctx, args) }
        guard ctx.mayBlock else { throw .inTransaction }
        try enqueue(parseExecute(args, in: ctx), args: args, in: ctx)
    }

    static func run(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        if ctx.isKeysPositionRequest { return KeyPositions.modelRun(ctx, args) }
        guard ctx.mayBlock else { throw .inTransaction }
        try enqueue(parseRun(args, in: ctx), args: args, in: ctx)
    }

    /// Parses `AI.MODELEXECUTE` (in RedisAI's order of checks) and reads the model with the
    /// command's context; the inputs are not read.
    static func parseExecute(_ args: Arguments, in ctx: Context) throws(CommandError) -> Call {
        guard args.count >= 8, let name = args[1] else { throw .wrongArity("AI.MODELEXECUTE") }
        let model = try readModel(name, in: ctx)
        guard args.matches(2, "INPUTS") else { throw CommandError("ERR INPUTS not specified") }
        let inputCount = try count(args, at: 3, "input", capital: "Input")
        if let expected = model.session?.inputNames.count, expected != inputCount {
            throw CommandError("Number of keys given as INPUTS here does not match model definition")
        }
        guard inputCount <= args.count - 4 else {
            throw CommandError("ERR number of input keys to AI.MODELEXECUTE command does not match the number of given arguments")
        }
        let inputs = 4..<(4 + inputCount)
        var index = inputs.upperBound
        guard args.matches(index, "OUTPUTS") else { throw CommandError("ERR OUTPUTS not specified") }
        let outputCount = try count(args, at: index + 1, "output", capital: "Output")
        if let session = model.session, session.declaresOutputCount, session.outputNames.count != outputCount {
            throw CommandError("Number of keys given as OUTPUTS here does not match model definition")
        }
        guard outputCount <= args.count - index - 2 else {
            throw CommandError("ERR number of output keys to AI.MODELEXECUTE command does not match the number of given arguments")
        }
        let outputs = (index + 2)..<(index + 2 + outputCount)
        index = outputs.upperBound
        var timeout: Int64 = 0
        if index < args.count {
            guard args.matches(index, "TIMEOUT") else { throw CommandError("Invalid argument: \(args.text(index))") }
            timeout = try timeoutValue(args, at: index + 1)
            if index + 2 < args.count { throw CommandError("Invalid argument: \(args.text(index + 2))") }
        }
        return Call(model: model, inputs: inputs, outputs: outputs, timeout: timeout)
    }

    /// Parses the deprecated `AI.MODELRUN` and reads the model; the inputs are not read.
    static func parseRun(_ args: Arguments, in ctx: Context) throws(CommandError) -> Call {
        guard args.count >= 6, let name = args[1] else { throw .wrongArity("AI.MODELRUN") }
        let model = try readModel(name, in: ctx)
        var index = 2
        var timeout: Int64 = 0
        if args.matches(index, "TIMEOUT") {
            timeout = try timeoutValue(args, at: index + 1)
            index += 2
        }
        guard args.matches(index, "INPUTS") else { throw CommandError("ERR INPUTS not specified") }
        index += 1
        let firstInput = index
        while index < args.count && !args.matches(index, "OUTPUTS") { index += 1 }
        let inputs = firstInput..<index
        let outputs = min(index + 1, args.count)..<args.count
        if let expected = model.session?.inputNames.count, expected != inputs.count {
            throw CommandError("Number of keys given as INPUTS here does not match model definition")
        }
        if let session = model.session, session.declaresOutputCount, session.outputNames.count != outputs.count {
            throw CommandError("Number of keys given as OUTPUTS here does not match model definition")
        }
        return Call(model: model, inputs: inputs, outputs: outputs, timeout: timeout)
    }

    private static func readModel(_ name: OpaquePointer, in ctx: Context) throws(CommandError) -> ModelValue {
        try ctx.withKey(name, write: false) { key throws(CommandError) in
            if key.isEmpty { throw .modelKeyEmpty }
            guard let model = key.model else { throw .wrongType }
            return model
        }
    }

    private static func count(_ args: Arguments, at index: Int, _ noun: String, capital: String) throws(CommandError) -> Int {
        guard let value = args.integer(index) else { throw CommandError("ERR Invalid argument for \(noun)_count") }
        guard value > 0 else { throw CommandError("ERR \(capital) count must be a positive integer") }
        return Int(clamping: value)
    }

    private static func timeoutValue(_ args: Arguments, at index: Int) throws(CommandError) -> Int64 {
        guard index < args.count else { throw CommandError("ERR No value provided for TIMEOUT") }
        guard let value = args.integer(index), value > 0 else { throw CommandError("ERR Invalid value for TIMEOUT") }
        return value
    }

    /// Reads the inputs, then blocks the client and queues the run.
    private static func enqueue(_ call: Call, args: Arguments, in ctx: Context) throws(CommandError) {
        let model = call.model
        let tensors = try ctx.inputTensors(at: call.inputs, of: args)
        if try InlineRun.attempt(model, inputs: tensors, outputKeys: call.outputs.compactMap { args[$0] }, in: ctx) { return }
        guard let pool = WorkerPool.pool(forDevice: model.definition.device) else {
            throw CommandError("ERR no worker thread is running for device \(model.definition.deviceName)")
        }
        let job = ModelRunJob(model: model, inputs: tensors, outputKeys: call.outputs.compactMap { args[$0] }, timeout: call.timeout)
        try job.start(in: ctx, pool: pool)
    }
}
