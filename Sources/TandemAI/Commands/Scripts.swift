/// The `AI.SCRIPT*` commands. TandemAI has no TorchScript runtime, so no script can
/// ever be stored: store commands validate their syntax as RedisAI does and then say that
/// only ONNX models are supported; commands that read a script find none.
enum Scripts {
    static let unsupported = CommandError(
        "ERR Could not load backend TORCH: TandemAI has no TorchScript runtime, AI.SCRIPT* is not supported; store ONNX models with AI.MODELSTORE")
    static let noScript = CommandError(
        "ERR script key is empty (TandemAI stores no scripts: it runs ONNX models only)")

    static func store(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count >= 8 else { throw .wrongArity("AI.SCRIPTSTORE") }
        var index = 3
        if args.matches(index, "TAG") { index += 2 }
        let missingEntryPoints = CommandError("ERR Insufficient arguments, missing script entry points")
        guard args.matches(index, "ENTRY_POINTS") else { throw missingEntryPoints }
        guard let count = args.integer(index + 1) else {
            throw CommandError("ERR Non numeric entry points number provided to AI.SCRIPTSTORE command")
        }
        guard count >= 0, count <= Int64(args.count - index - 2) else { throw missingEntryPoints }
        index += 2 + Int(count)
        guard args.matches(index, "SOURCE"), index + 1 < args.count else {
            throw CommandError("ERR Insufficient arguments, missing script SOURCE")
        }
        throw unsupported
    }

    static func set(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count == 5 || args.count == 7 else { throw .wrongArity("AI.SCRIPTSET") }
        let source = args.count == 5 ? 3 : 5
        if args.count == 7 && !args.matches(3, "TAG") || !args.matches(source, "SOURCE") {
            throw CommandError("ERR Insufficient arguments, missing script SOURCE")
        }
        throw unsupported
    }

    static func get(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count >= 2, args.count <= 4 else { throw .wrongArity("AI.SCRIPTGET") }
        try requireScript(ctx, args)
    }

    static func delete(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count == 2 else { throw .wrongArity("AI.SCRIPTDEL") }
        try requireScript(ctx, args)
    }

    static func execute(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count >= 3 else { throw .wrongArity("AI.SCRIPTEXECUTE") }
        try requireScript(ctx, args)
    }

    static func run(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count >= 3 else { throw .wrongArity("AI.SCRIPTRUN") }
        try requireScript(ctx, args)
    }

    /// `AI._SCRIPTSCAN`: there are no scripts.
    static func scan(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count == 1 else { throw .wrongArity("AI._SCRIPTSCAN") }
        ctx.replyArray(0)
    }

    /// A key holding another type gives WRONGTYPE; otherwise there is no script.
    private static func requireScript(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard let name = args[1] else { throw noScript }
        try ctx.withKey(name, write: false) { key throws(CommandError) in
            if !key.isEmpty { throw .wrongType }
        }
        throw noScript
    }
}
