/// `AI.CONFIG`: `GET <name>`, `MODEL_CHUNK_SIZE <n>`, `BACKENDSPATH <path>`,
/// `LOADBACKEND <backend> <path>`. Not replicated.
///
/// Besides RedisAI's `BACKENDSPATH` and `MODEL_CHUNK_SIZE`, `GET` also answers the other
/// load-time settings (as integers); unknown names give a null reply as in RedisAI.
enum ConfigCommand {
    static func run(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count >= 2 else { throw .wrongArity("AI.CONFIG") }
        if args.matches(1, "GET") {
            guard args.count >= 3 else { throw .wrongArity("AI.CONFIG") }
            get(args, in: ctx)
        } else if args.matches(1, "MODEL_CHUNK_SIZE") {
            guard args.count >= 3 else { throw CommandError("ERR MODEL_CHUNK_SIZE: missing chunk size") }
            guard let size = args.integer(2), size > 0, let n = Int(exactly: size) else {
                throw CommandError("ERR MODEL_CHUNK_SIZE: invalid chunk size")
            }
            Configuration.current.modelChunkSize = n
            ctx.replyOK()
        } else if args.matches(1, "BACKENDSPATH") {
            guard args.count >= 3 else { throw CommandError("ERR BACKENDSPATH: missing path argument") }
            Configuration.current.backendsPath = args.text(2)
            ctx.replyOK()
        } else if args.matches(1, "LOADBACKEND") {
            guard args.count >= 4 else { throw .wrongArity("AI.CONFIG") }
            guard let backend = Backend(argument: args.bytes(2)) else { throw CommandError("ERR unsupported backend") }
            guard ModelExecutors.executor(for: backend) != nil else {
                throw CommandError("ERR error loading backend: TandemAI has no \(backend.name) runtime; its runtimes are built in, not loaded from files")
            }
            ctx.replyOK()
        } else {
            throw CommandError("ERR unsupported subcommand")
        }
    }

    private static func get(_ args: Arguments, in ctx: Context) {
        let config = Configuration.current
        let integers: [(StaticString, Int)] = [
            ("MODEL_CHUNK_SIZE", config.modelChunkSize),
            ("THREADS_PER_QUEUE", config.threadsPerQueue),
            ("INTER_OP_PARALLELISM", config.interOpParallelism),
            ("INTRA_OP_PARALLELISM", config.intraOpParallelism),
            ("MODEL_EXECUTION_TIMEOUT", config.modelExecutionTimeout),
            ("BACKEND_MEMORY_LIMIT", config.backendMemoryLimit),
        ]
        if args.matches(2, "BACKENDSPATH") {
            ctx.reply(bulk: config.backendsPath)
        } else if let (_, value) = integers.first(where: { args.matches(2, $0.0) }) {
            ctx.reply(integer: Int64(value))
        } else {
            ctx.replyNull()
        }
    }
}
