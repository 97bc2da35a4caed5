/// `AI.SCRIPTEXECUTE <key> <function> [KEYS n k…] [INPUTS n t…] [ARGS n a…] [OUTPUTS n o…]
/// [TIMEOUT ms]` and the deprecated `AI.SCRIPTRUN <key> <function> [TIMEOUT ms] INPUTS
/// <in>… [$ <in>…] OUTPUTS <out>…` that SmartRedis sends.
///
/// Both parse on the main thread, take references to the script and the input tensors
/// (read with the command's own context, so the client's database), block the client and
/// queue a ``ScriptRunJob`` on the script's device queue.
enum ScriptExecute {
    /// A parsed script run: the script, the function, the argument indexes of its input and
    /// output names, and copies of its KEYS and ARGS values.
    struct Call {
        let script: ScriptValue
        let function: String
        let inputs: [Int]
        /// The position in ``inputs`` where the variadic (`$`) list starts, if any.
        let variadicStart: Int?
        let outputs: Range<Int>
        let keys: [[UInt8]]
        let arguments: [[UInt8]]
        /// Milliseconds the run may wait in the queue (0: no limit).
        let timeout: Int64
    }

    static func execute(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        if ctx.isKeysPositionRequest { return KeyPositions.scriptExecute(ctx, args) }
        guard ctx.mayBlock else { throw .inTransaction }
        try enqueue(parseExecute(args, in: ctx), args: args, in: ctx)
    }

    static func run(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        if ctx.isKeysPositionRequest { return KeyPositions.scriptRun(ctx, args) }
        guard ctx.mayBlock else { throw .inTransaction }
        try enqueue(parseRun(args, in: ctx), args: args, in: ctx)
    }

    /// Parses `AI.SCRIPTEXECUTE` (in RedisAI's order of checks) and reads the script with the
    /// command's context; the inputs are not read.
    static func parseExecute(_ args: Arguments, in ctx: Context) throws(CommandError) -> Call {
        guard args.count >= 3 else { throw .wrongArity("AI.SCRIPTEXECUTE") }
        let script = try Scripts.readScript(ctx, args)
        let function = args.text(2)
        guard args.matches(3, "KEYS") || args.matches(3, "INPUTS") else {
            throw CommandError("ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE command")
        }
        var keys: Range<Int>? = nil, inputs: Range<Int>? = nil, arguments: Range<Int>? = nil, outputs: Range<Int>? = nil
        var timeout: Int64 = 0
        var index = 3
        while index < args.count {
            if args.matches(index, "KEYS") {
                guard keys == nil else { throw CommandError("ERR Already Encountered KEYS scope in AI.SCRIPTEXECUTE command") }
                guard index + 1 < args.count else { throw CommandError("ERR Missing arguments after KEYS keyword") }
                guard let n = args.integer(index + 1), n >= 0 else {
                    throw CommandError("ERR Invalid or negative value found in number of KEYS")
                }
                guard n <= Int64(args.count - index - 2) else {
                    throw CommandError("ERR Number of pre declared KEYS to be used in the command does not match the number of given arguments")
                }
                keys = (index + 2)..<(index + 2 + Int(n))
                index = keys!.upperBound
            } else if args.matches(index, "INPUTS") {
                guard inputs == nil else { throw CommandError("ERR Already Encountered INPUTS scope in AI.SCRIPTEXECUTE command") }
                inputs = try section(args, at: index, "inputs")
                index = inputs!.upperBound
            } else if args.matches(index, "ARGS") {
                guard arguments == nil else { throw CommandError("ERR Already Encountered ARGS scope in AI.SCRIPTEXECUTE command") }
                arguments = try section(args, at: index, "args")
                index = arguments!.upperBound
            } else if args.matches(index, "OUTPUTS") {
                guard outputs == nil else { throw CommandError("ERR Already Encountered OUTPUTS scope in AI.SCRIPTEXECUTE command") }
                outputs = try section(args, at: index, "outputs")
                index = outputs!.upperBound
            } else if args.matches(index, "TIMEOUT") {
                guard index + 1 < args.count else { throw CommandError("ERR No value provided for TIMEOUT in AI.SCRIPTEXECUTE") }
                guard let value = args.integer(index + 1), value > 0 else { throw CommandError("ERR Invalid value for TIMEOUT") }
                timeout = value
                index += 2
            } else {
                throw CommandError("ERR Invalid AI.SCRIPTEXECUTE command. Unexpected argument: \(args.text(index))")
            }
        }
        if !script.entryPoints.isEmpty && !script.entryPoints.contains(function) {
            throw CommandError("ERR Function \(function) is not an entry point of the script (entry points: \(script.entryPoints.joined(separator: ", ")))")
        }
        return Call(script: script, function: function, inputs: Array(inputs ?? 0..<0), variadicStart: nil,
                    outputs: outputs ?? 0..<0, keys: (keys ?? 0..<0).map { args.array($0) },
                    arguments: (arguments ?? 0..<0).map { args.array($0) }, timeout: timeout)
    }

    /// Parses the deprecated `AI.SCRIPTRUN` and reads the script; the inputs are not read.
    static func parseRun(_ args: Arguments, in ctx: Context) throws(CommandError) -> Call {
        guard args.count >= 3 else { throw .wrongArity("AI.SCRIPTRUN") }
        let script = try Scripts.readScript(ctx, args)
        let function = args.text(2)
        var index = 3
        var timeout: Int64 = 0
        if args.matches(index, "TIMEOUT") {
            guard index + 1 < args.count else { throw CommandError("ERR No value provided for TIMEOUT") }
            guard let value = args.integer(index + 1), value > 0 else { throw CommandError("ERR Invalid value for TIMEOUT") }
            timeout = value
            index += 2
        }
        guard args.matches(index, "INPUTS") else { throw CommandError("ERR Insufficient arguments, missing INPUTS") }
        index += 1
        var inputIndexes: [Int] = []
        var variadicStart: Int? = nil
        while index < args.count && !args.matches(index, "OUTPUTS") {
            if args.bytes(index).count == 1 && args.bytes(index)[0] == UInt8(ascii: "$") {
                guard variadicStart == nil else { throw CommandError("ERR Already encountered a variable size list of tensors") }
                variadicStart = inputIndexes.count
            } else {
                inputIndexes.append(index)
            }
            index += 1
        }
        let outputs = min(index + 1, args.count)..<args.count
        return Call(script: script, function: function, inputs: inputIndexes, variadicStart: variadicStart,
                    outputs: outputs, keys: [], arguments: [], timeout: timeout)
    }

    /// `<NAME> <n> <item>…`: the arguments of the items.
    private static func section(_ args: Arguments, at index: Int, _ noun: String) throws(CommandError) -> Range<Int> {
        guard let n = args.integer(index + 1), n >= 0 else {
            throw CommandError("ERR Invalid argument for \(noun) count in AI.SCRIPTEXECUTE")
        }
        guard n <= Int64(args.count - index - 2) else {
            throw CommandError("ERR number of \(noun) to AI.SCRIPTEXECUTE command does not match the number of given arguments")
        }
        return (index + 2)..<(index + 2 + Int(n))
    }

    /// Reads the inputs, then blocks the client and queues the run.
    private static func enqueue(_ call: Call, args: Arguments, in ctx: Context) throws(CommandError) {
        let script = call.script
        let tensors = try ctx.inputTensors(at: call.inputs, of: args)
        guard let pool = WorkerPool.pool(forDevice: script.device) else {
            throw CommandError("ERR no worker thread is running for device \(script.deviceName)")
        }
        let job = ScriptRunJob(script: script, function: call.function, inputs: tensors, variadicStart: call.variadicStart,
                               keys: call.keys, arguments: call.arguments, outputKeys: call.outputs.compactMap { args[$0] },
                               timeout: call.timeout)
        try job.start(in: ctx, pool: pool)
    }
}
