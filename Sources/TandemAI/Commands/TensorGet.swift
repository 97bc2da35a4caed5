import CRedisModule
import TandemTensor

/// `AI.TENSORGET <key> [META] [BLOB | VALUES]` (see “Commands” in
/// Documentation/RedisModule.md).
enum TensorGet {
    static func run(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count >= 2, args.count <= 4, let name = args[1] else { throw .wrongArity("AI.TENSORGET") }
        try ctx.withKey(name, write: false) { key throws(CommandError) in
            if key.isEmpty { throw .tensorKeyEmpty }
            guard let tensor = key.tensor else { throw .wrongType }
            let format = try Format(args)
            reply(tensor, meta: format.meta, blob: format.blob, values: format.values, in: ctx)
        }
    }

    /// The reply layout asked for by the format arguments `args[2...]` (`META BLOB` when
    /// there are none).
    struct Format {
        var meta = false, blob = false, values = false

        init(_ args: Arguments) throws(CommandError) {
            for i in 2..<max(2, args.count) {
                if args.matches(i, "META") { meta = true }
                else if args.matches(i, "BLOB") { blob = true }
                else if args.matches(i, "VALUES") { values = true }
                else { throw CommandError("ERR unsupported data format") }
            }
            if blob && values && !meta { throw CommandError("ERR both BLOB and VALUES specified") }
            if !meta && !blob && !values { meta = true; blob = true }
        }
    }

    /// Sends `tensor` in the layout `format`.
    static func reply(_ tensor: TensorValue, _ format: Format, in ctx: Context) {
        reply(tensor, meta: format.meta, blob: format.blob, values: format.values, in: ctx)
    }

    /// Sends one of RedisAI's reply layouts (`META BLOB VALUES` replies like `META BLOB`).
    static func reply(_ tensor: TensorValue, meta: Bool, blob: Bool, values: Bool, in ctx: Context) {
        guard meta else {
            if blob { ctx.reply(bytes: tensor.bytes) } else { TensorValues.reply(tensor, in: ctx) }
            return
        }
        ctx.replyArray(blob || values ? 6 : 4)
        ctx.reply(bulk: "dtype")
        ctx.reply(bulk: tensor.dtype.staticName)
        ctx.reply(bulk: "shape")
        ctx.replyArray(tensor.shape.count)
        for dim in tensor.shape { ctx.reply(integer: dim) }
        if blob {
            ctx.reply(bulk: "blob")
            ctx.reply(bytes: tensor.bytes)
        } else if values {
            ctx.reply(bulk: "values")
            TensorValues.reply(tensor, in: ctx)
        }
    }
}
