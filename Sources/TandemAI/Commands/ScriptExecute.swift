/// `AI.SCRIPTEXECUTE <key> <function> [KEYS n k…] [INPUTS n t…] [ARGS n a…] [OUTPUTS n o…]
/// [TIMEOUT ms]` and the deprecated `AI.SCRIPTRUN <key> <function> [TIMEOUT ms] INPUTS
/// <in>… [$ <in>…] OUTPUTS <out>…` that SmartRedis sends.
///
/// Both parse on the main thread, take references to the script and the input tensors
/// (read with the command's own context, so the client's database), block the client and
/// queue a ``ScriptRunJob`` on the script's device queue.
enum ScriptExecute {
    static func execute(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        if ctx.isKeysPositionRequest { return KeyPositions.scriptExecute(ctx, args) }
        guard ctx.mayBlock else { throw .inTransaction }
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
        try enqueue(script, function: function, inputs: inputs ?? 0..<0, variadicStart: nil, outputs: outputs ?? 0..<0,
                    keys: (keys ?? 0..<0).map { args.array($0) }, arguments: (arguments ?? 0..<0).map { args.array($0) },
                    timeout: timeout, args: args, in: ctx)
    }

    static func run(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        if ctx.isKeysPositionRequest { return KeyPositions.scriptRun(ctx, args) }
        guard ctx.mayBlock else { throw .inTransaction }
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
        try enqueue(script, function: function, inputIndexes: inputIndexes, variadicStart: variadicStart,
                    outputs: outputs, keys: [], arguments: [], timeout: timeout, args: args, in: ctx)
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

    private static func enqueue(_ script: ScriptValue, function: String, inputs: Range<Int>, variadicStart: Int?,
                                outputs: Range<Int>, keys: [[UInt8]], arguments: [[UInt8]], timeout: Int64,
                                args: Arguments, in ctx: Context) throws(CommandError) {
        try enqueue(script, function: function, inputIndexes: Array(inputs), variadicStart: variadicStart, outputs: outputs,
                    keys: keys, arguments: arguments, timeout: timeout, args: args, in: ctx)
    }

    /// Reads the inputs, then blocks the client and queues the run.
    private static func enqueue(_ script: ScriptValue, function: String, inputIndexes: [Int], variadicStart: Int?,
                                outputs: Range<Int>, keys: [[UInt8]], arguments: [[UInt8]], timeout: Int64,
                                args: Arguments, in ctx: Context) throws(CommandError) {
        let tensors = try ctx.inputTensors(at: inputIndexes, of: args)
        guard let pool = WorkerPool.pool(forDevice: script.device) else {
            throw CommandError("ERR no worker thread is running for device \(script.deviceName)")
        }
        let job = ScriptRunJob(script: script, function: function, inputs: tensors, variadicStart: variadicStart,
                               keys: keys, arguments: arguments, outputKeys: outputs.compactMap { args[$0] },
                               timeout: timeout)
        try job.start(in: ctx, pool: pool)
    }
}
