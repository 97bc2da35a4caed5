/// The `AI.SCRIPT*` commands: TorchScript scripts compiled by the TORCH backend library
/// (loaded on first use), with RedisAI 1.2.7's syntax, replies and errors.
///
/// Store commands compile on the main thread (compiling is quick and RedisAI does the
/// same); runs parse on the main thread and run on the device's worker queue.
enum Scripts {
    /// `AI.SCRIPTSTORE <key> <device> [TAG <tag>] ENTRY_POINTS <n> <ep>… SOURCE <text>`.
    static func store(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count >= 8 else { throw .wrongArity("AI.SCRIPTSTORE") }
        var index = 3
        var tag: [UInt8] = []
        if args.matches(index, "TAG") {
            tag = args.array(index + 1)
            index += 2
        }
        let missingEntryPoints = CommandError("ERR Insufficient arguments, missing script entry points")
        guard args.matches(index, "ENTRY_POINTS") else { throw missingEntryPoints }
        guard let count = args.integer(index + 1) else {
            throw CommandError("ERR Non numeric entry points number provided to AI.SCRIPTSTORE command")
        }
        guard count >= 0, count <= Int64(args.count - index - 2) else { throw missingEntryPoints }
        let entryPoints = ((index + 2)..<(index + 2 + Int(count))).map { args.text($0) }
        index += 2 + Int(count)
        guard args.matches(index, "SOURCE"), index + 1 < args.count else {
            throw CommandError("ERR Insufficient arguments, missing script SOURCE")
        }
        try save(ctx, args, device: args.array(2), tag: tag, source: args.array(index + 1), entryPoints: entryPoints)
    }

    /// `AI.SCRIPTSET <key> <device> [TAG <tag>] SOURCE <text>` (deprecated; SmartRedis's).
    static func set(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count == 5 || args.count == 7 else { throw .wrongArity("AI.SCRIPTSET") }
        let source = args.count == 5 ? 3 : 5
        if args.count == 7 && !args.matches(3, "TAG") || !args.matches(source, "SOURCE") {
            throw CommandError("ERR Insufficient arguments, missing script SOURCE")
        }
        try save(ctx, args, device: args.array(2), tag: args.count == 7 ? args.array(4) : [],
                 source: args.array(source + 1), entryPoints: [])
    }

    /// Loads the backend, compiles, checks the key's type, stores and replicates.
    private static func save(_ ctx: Context, _ args: Arguments, device: [UInt8], tag: [UInt8], source: [UInt8],
                             entryPoints: [String]) throws(CommandError) {
        guard let name = args[1] else { throw .wrongArity("AI.SCRIPTSTORE") }
        guard isValidDevice(device) else { throw CommandError("ERR Invalid DEVICE") }
        let library = try Backends.require(.torch)
        let compiled: CompiledScript
        do throws(BackendError) {
            compiled = try ScriptValue.compile(source, device: String(decoding: device, as: UTF8.self),
                                               entryPoints: entryPoints, with: library)
        } catch {
            throw CommandError(error.message)
        }
        let script = ScriptValue(key: args.array(1), device: device, tag: tag, source: source,
                                 entryPoints: entryPoints, compiled: compiled, compileError: nil)
        try ctx.withKey(name, write: true) { key throws(CommandError) in
            try key.requireEmptyOr(DataTypes.script)
            try key.set(script, as: DataTypes.script, what: "script")
        }
        Statistics.register(script.stats)
        ctx.replicateVerbatim()
        ctx.replyOK()
    }

    /// `AI.SCRIPTGET <key> [META] [SOURCE]`.
    static func get(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count >= 2, args.count <= 4 else { throw .wrongArity("AI.SCRIPTGET") }
        let script = try readScript(ctx, args)
        var meta = false, source = false
        for i in 2..<args.count {
            if args.matches(i, "META") { meta = true } else if args.matches(i, "SOURCE") { source = true }
        }
        if source && !meta {
            ctx.reply(bytes: script.source)
            return
        }
        let full = meta == source
        ctx.replyArray(full ? 8 : 6)
        ctx.reply(bulk: "device"); ctx.reply(bytes: script.device)
        ctx.reply(bulk: "tag"); ctx.reply(bytes: script.tag)
        ctx.reply(bulk: "Entry Points")
        ctx.replyArray(script.entryPoints.count)
        for entryPoint in script.entryPoints { ctx.reply(bulk: entryPoint) }
        if full {
            ctx.reply(bulk: "source"); ctx.reply(bytes: script.source)
        }
    }

    /// `AI.SCRIPTDEL <key>`.
    static func delete(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count == 2, let name = args[1] else { throw .wrongArity("AI.SCRIPTDEL") }
        try ctx.withKey(name, write: true) { key throws(CommandError) in
            if key.isEmpty { throw .scriptKeyEmpty }
            guard key.holds(DataTypes.script) else { throw .wrongType }
            key.delete()
        }
        ctx.replicateVerbatim()
        ctx.replyOK()
    }

    /// `AI._SCRIPTSCAN`: `[key, tag]` for every script with statistics.
    static func scan(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count == 1 else { throw .wrongArity("AI._SCRIPTSCAN") }
        Log.warning("AI._SCRIPTSCAN is experimental and might be removed in future versions")
        let pairs = Statistics.keysAndTags(scripts: true)
        ctx.replyArray(pairs.count)
        for (key, tag) in pairs {
            ctx.replyArray(2)
            ctx.reply(bytes: key)
            ctx.reply(bytes: tag)
        }
    }

    /// The script at `args[1]`: `ERR script key is empty`, or WRONGTYPE.
    static func readScript(_ ctx: Context, _ args: Arguments) throws(CommandError) -> ScriptValue {
        guard let name = args[1] else { throw .scriptKeyEmpty }
        return try ctx.withKey(name, write: false) { key throws(CommandError) in
            if key.isEmpty { throw .scriptKeyEmpty }
            guard let script = key.script else { throw .wrongType }
            return script
        }
    }

    /// `CPU`, `GPU`, or either followed by `:` and digits only; shorter than 10 bytes (the
    /// rule `AI.MODELSTORE` applies).
    static func isValidDevice(_ device: [UInt8]) -> Bool {
        guard device.count >= 3, device.count < 10 else { return false }
        let kind = (Arguments.upper(device[0]), Arguments.upper(device[1]), Arguments.upper(device[2]))
        guard kind == (67, 80, 85) || kind == (71, 80, 85) else { return false }  // CPU, GPU
        if device.count == 3 { return true }
        guard device[3] == UInt8(ascii: ":") else { return false }
        return device[4...].allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}
