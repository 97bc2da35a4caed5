import CRedisModule

/// One registered command: its name, flags and fixed key positions, exactly as RedisAI
/// registers it, and the C callback that runs it.
struct Command {
    let name: String
    let flags: String
    let firstKey: Int32
    let lastKey: Int32
    let keyStep: Int32
    let function: RedisModuleCmdFunc

    /// Every command of the module.
    static let all: [Command] = [
        Command(name: "ai.tensorset", flags: "write deny-oom", firstKey: 1, lastKey: 1, keyStep: 1) { dispatch($0, $1, $2, TensorSet.run) },
        Command(name: "ai.tensorget", flags: "readonly", firstKey: 1, lastKey: 1, keyStep: 1) { dispatch($0, $1, $2, TensorGet.run) },
        Command(name: "ai.modelstore", flags: "write deny-oom", firstKey: 1, lastKey: 1, keyStep: 1) { dispatch($0, $1, $2, ModelStore.store) },
        Command(name: "ai.modelset", flags: "write deny-oom", firstKey: 1, lastKey: 1, keyStep: 1) { dispatch($0, $1, $2, ModelStore.set) },
        Command(name: "ai.modelget", flags: "readonly", firstKey: 1, lastKey: 1, keyStep: 1) { dispatch($0, $1, $2, ModelGet.get) },
        Command(name: "ai.modeldel", flags: "write", firstKey: 1, lastKey: 1, keyStep: 1) { dispatch($0, $1, $2, ModelGet.delete) },
        Command(name: "ai.modelexecute", flags: "write deny-oom getkeys-api", firstKey: 4, lastKey: 4, keyStep: 1) { dispatch($0, $1, $2, ModelExecute.execute) },
        Command(name: "ai.modelrun", flags: "write deny-oom getkeys-api", firstKey: 3, lastKey: 3, keyStep: 1) { dispatch($0, $1, $2, ModelExecute.run) },
        Command(name: "ai._modelscan", flags: "readonly", firstKey: 0, lastKey: 0, keyStep: 0) { dispatch($0, $1, $2, InfoCommand.scan) },
        Command(name: "ai.scriptstore", flags: "write deny-oom", firstKey: 1, lastKey: 1, keyStep: 1) { dispatch($0, $1, $2, Scripts.store) },
        Command(name: "ai.scriptset", flags: "write deny-oom", firstKey: 1, lastKey: 1, keyStep: 1) { dispatch($0, $1, $2, Scripts.set) },
        Command(name: "ai.scriptget", flags: "readonly", firstKey: 1, lastKey: 1, keyStep: 1) { dispatch($0, $1, $2, Scripts.get) },
        Command(name: "ai.scriptdel", flags: "write", firstKey: 1, lastKey: 1, keyStep: 1) { dispatch($0, $1, $2, Scripts.delete) },
        Command(name: "ai.scriptexecute", flags: "write deny-oom getkeys-api", firstKey: 1, lastKey: 1, keyStep: 1) { dispatch($0, $1, $2, ScriptExecute.execute) },
        Command(name: "ai.scriptrun", flags: "write deny-oom getkeys-api", firstKey: 1, lastKey: 1, keyStep: 1) { dispatch($0, $1, $2, ScriptExecute.run) },
        Command(name: "ai._scriptscan", flags: "readonly", firstKey: 0, lastKey: 0, keyStep: 0) { dispatch($0, $1, $2, Scripts.scan) },
        Command(name: "ai.info", flags: "readonly", firstKey: 1, lastKey: 1, keyStep: 1) { dispatch($0, $1, $2, InfoCommand.run) },
        Command(name: "ai.config", flags: "write", firstKey: 0, lastKey: 0, keyStep: 0) { dispatch($0, $1, $2, ConfigCommand.run) },
        Command(name: "ai.dagrun", flags: "write deny-oom getkeys-api", firstKey: 3, lastKey: 3, keyStep: 1) { dispatch($0, $1, $2, DAGExecute.run) },
        Command(name: "ai.dagexecute", flags: "write deny-oom getkeys-api", firstKey: 3, lastKey: 3, keyStep: 1) { dispatch($0, $1, $2, DAGExecute.execute) },
        Command(name: "ai.dagrun_ro", flags: "readonly getkeys-api", firstKey: 3, lastKey: 3, keyStep: 1) { dispatch($0, $1, $2, DAGExecute.runReadOnly) },
        Command(name: "ai.dagexecute_ro", flags: "readonly getkeys-api", firstKey: 3, lastKey: 3, keyStep: 1) { dispatch($0, $1, $2, DAGExecute.executeReadOnly) },
    ]

    /// Registers every command; `false` (after logging) if Redis refuses one.
    static func registerAll(_ ctx: OpaquePointer) -> Bool {
        for command in all {
            guard rm_create_command(ctx, command.name, command.function, command.flags,
                                    command.firstKey, command.lastKey, command.keyStep) == CRM_OK else {
                Log.warning("could not register command \(command.name)")
                return false
            }
        }
        return true
    }

    /// Runs `handler` and sends its error, if any, as the reply.
    private static func dispatch(_ ctx: OpaquePointer?, _ argv: UnsafeMutablePointer<OpaquePointer?>?, _ argc: Int32,
                                 _ handler: (Context, Arguments) throws(CommandError) -> Void) -> Int32 {
        guard let ctx else { return Int32(CRM_ERR) }
        let context = Context(ctx)
        do throws(CommandError) {
            try handler(context, Arguments(argv, argc))
        } catch {
            context.replyError(error.message)
        }
        return Int32(CRM_OK)
    }
}
