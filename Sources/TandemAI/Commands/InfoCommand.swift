/// `AI.INFO <key> [RESETSTAT]` and `AI._MODELSCAN` (see “Commands” in
/// Documentation/RedisModule.md).
enum InfoCommand {
    static func run(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count == 2 || args.count == 3 else { throw .wrongArity("AI.INFO") }
        let key = args.array(1)
        if args.count == 3 && args.matches(2, "RESETSTAT") {
            guard Statistics.reset(key) else { throw CommandError("ERR cannot find run info for key") }
            ctx.replyOK()
            return
        }
        guard let entry = Statistics.lookup(key) else { throw CommandError("ERR cannot find run info for key") }
        ctx.replyArray(18)
        ctx.reply(bulk: "key"); ctx.reply(bytes: entry.stats.key)
        ctx.reply(bulk: "type"); ctx.reply(bulk: entry.stats.isScript ? "SCRIPT" : "MODEL")
        ctx.reply(bulk: "backend"); ctx.reply(bulk: entry.stats.backend.name)
        ctx.reply(bulk: "device"); ctx.reply(bytes: entry.stats.device)
        ctx.reply(bulk: "tag"); ctx.reply(bytes: entry.stats.tag)
        ctx.reply(bulk: "duration"); ctx.reply(integer: entry.duration)
        ctx.reply(bulk: "samples"); ctx.reply(integer: entry.stats.isScript ? -1 : entry.samples)
        ctx.reply(bulk: "calls"); ctx.reply(integer: entry.calls)
        ctx.reply(bulk: "errors"); ctx.reply(integer: entry.errors)
    }

    /// `AI._MODELSCAN`: `[key, tag]` for every model with statistics.
    static func scan(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count == 1 else { throw .wrongArity("AI._MODELSCAN") }
        Log.warning("AI._MODELSCAN is experimental and might be removed in future versions")
        let pairs = Statistics.keysAndTags(scripts: false)
        ctx.replyArray(pairs.count)
        for (key, tag) in pairs {
            ctx.replyArray(2)
            ctx.reply(bytes: key)
            ctx.reply(bytes: tag)
        }
    }
}
