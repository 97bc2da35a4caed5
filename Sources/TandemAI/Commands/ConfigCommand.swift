/// `AI.CONFIG`: `GET <name>`, `MODEL_CHUNK_SIZE <n>`, `BACKENDSPATH <path>`,
/// `LOADBACKEND <backend> <path>`. Not replicated.
///
/// Besides RedisAI's `BACKENDSPATH` and `MODEL_CHUNK_SIZE`, `GET` also answers the other
/// load-time settings (as integers) and `BACKENDS` (what is loaded); unknown names give a
/// null reply as in RedisAI. `LOADBACKEND TORCH <path>` opens the TORCH backend library
/// (a relative path is taken under `BACKENDSPATH`); `LOADBACKEND ONNX` is a no-op.
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
            if backend == .onnx {
                // The ONNX runtime is built in: there is nothing to load.
                ctx.replyOK()
                return
            }
            do throws(BackendError) {
                try Backends.load(backend, path: args.text(3))
            } catch {
                throw CommandError("ERR error loading backend: \(error.message)")
            }
            ctx.replyOK()
        } else {
            throw CommandError("ERR unsupported subcommand")
        }
    }

    /// `AI.CONFIG GET BACKENDS`: one `[name, version, path]` per available backend, the
    /// built-in ONNX runtime first (its path is `built-in`).
    private static func replyBackends(in ctx: Context) {
        let libraries = Backends.loaded
        let onnx = ModelExecutors.executor(for: .onnx)
        ctx.replyArray(libraries.count + (onnx == nil ? 0 : 1))
        if let onnx {
            ctx.replyArray(3)
            ctx.reply(bulk: "ONNX"); ctx.reply(bulk: onnx.version); ctx.reply(bulk: "built-in")
        }
        for library in libraries {
            ctx.replyArray(3)
            ctx.reply(bulk: library.backend.name); ctx.reply(bulk: library.version); ctx.reply(bulk: library.path)
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
        } else if args.matches(2, "BACKENDS") {
            replyBackends(in: ctx)
        } else if let (_, value) = integers.first(where: { args.matches(2, $0.0) }) {
            ctx.reply(integer: Int64(value))
        } else {
            ctx.replyNull()
        }
    }
}
