/// `AI.MODELGET <key> [META] [BLOB]` and `AI.MODELDEL <key>` (see “Commands” in
/// Documentation/RedisModule.md).
enum ModelGet {
    static func get(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count >= 2, args.count <= 4, let name = args[1] else { throw .wrongArity("AI.MODELGET") }
        try ctx.withKey(name, write: false) { key throws(CommandError) in
            if key.isEmpty { throw .modelKeyEmpty }
            guard let model = key.model else { throw .wrongType }
            // Other options are ignored, as in RedisAI.
            var meta = false, blob = false
            for i in 2..<args.count {
                if args.matches(i, "META") { meta = true } else if args.matches(i, "BLOB") { blob = true }
            }
            if !meta && !blob { meta = true; blob = true }
            if meta {
                ctx.replyArray(blob ? 18 : 16)
                replyMeta(model, in: ctx)
                if blob { ctx.reply(bulk: "blob") }
            }
            if blob { replyBlob(model, in: ctx) }
        }
    }

    static func delete(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count == 2, let name = args[1] else { throw .wrongArity("AI.MODELDEL") }
        try ctx.withKey(name, write: true) { key throws(CommandError) in
            if key.isEmpty { throw .modelKeyEmpty }
            guard key.holds(DataTypes.model) else { throw .wrongType }
            key.delete()
        }
        ctx.replicateVerbatim()
        ctx.replyOK()
    }

    /// The 16 META items.
    private static func replyMeta(_ model: ModelValue, in ctx: Context) {
        let definition = model.definition
        ctx.reply(bulk: "backend"); ctx.reply(bulk: definition.backend.name)
        ctx.reply(bulk: "device"); ctx.reply(bytes: definition.device)
        ctx.reply(bulk: "tag"); ctx.reply(bytes: definition.tag)
        ctx.reply(bulk: "batchsize"); ctx.reply(integer: definition.batchSize)
        ctx.reply(bulk: "minbatchsize"); ctx.reply(integer: definition.minBatchSize)
        ctx.reply(bulk: "inputs"); replyNames(model.inputs, in: ctx)
        ctx.reply(bulk: "outputs"); replyNames(model.outputs, in: ctx)
        ctx.reply(bulk: "minbatchtimeout"); ctx.reply(integer: definition.minBatchTimeout)
    }

    private static func replyNames(_ names: [String], in ctx: Context) {
        ctx.replyArray(names.count)
        for name in names { ctx.reply(bulk: name) }
    }

    /// One bulk string, or an array of `MODEL_CHUNK_SIZE` chunks once the blob
    /// reaches that size.
    private static func replyBlob(_ model: ModelValue, in ctx: Context) {
        let size = Configuration.current.modelChunkSize
        let chunks = model.chunkCount(size: size)
        if chunks > 1 { ctx.replyArray(chunks) }
        model.forEachChunk(size: size) { ctx.reply(bytes: $0) }
    }
}
