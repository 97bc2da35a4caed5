import CRedisModule

/// The module's settings: load-time arguments, some changeable later with `AI.CONFIG`
/// (see “Load-time arguments” in Documentation/RedisModule.md).
///
/// ``current`` is read and written on Redis's main thread only (and read by the forked
/// RDB child); jobs take copies of what they need.
struct Configuration: Sendable {
    /// Worker threads per device queue (`THREADS_PER_QUEUE`, alias `THREADS`).
    var threadsPerQueue = 1
    /// Passed to runtimes (0 = their default).
    var interOpParallelism = 0
    /// Passed to runtimes (0 = their default).
    var intraOpParallelism = 0
    /// The chunk size of `AI.MODELGET` replies and RDB model payloads: 511 MiB.
    var modelChunkSize = 535_822_336
    /// `MODEL_EXECUTION_TIMEOUT` in ms (at least 1000).
    var modelExecutionTimeout = 5000
    /// `BACKEND_MEMORY_LIMIT` in MB (0 = none).
    var backendMemoryLimit = 0
    /// `INLINE_RUN_MICROSECONDS`: a fast-path model run expected to take at most this long
    /// runs on the main thread instead of a worker (0 = never; see ``InlineRun``).
    var inlineRunMicroseconds = 200
    /// The largest `INLINE_RUN_MICROSECONDS` accepted: 10 ms.
    static let maximumInlineRunMicroseconds = 10_000
    /// `BACKENDSPATH`; default `<folder of the module>/backends`.
    var backendsPath = Configuration.defaultBackendsPath()
    /// Backend libraries to load at load time (`TORCH <path>`), in the order given.
    var backendsToLoad: [(backend: Backend, path: String)] = []

    /// The largest `THREADS_PER_QUEUE` accepted.
    static let maximumThreadsPerQueue = 256

    nonisolated(unsafe) static var current = Configuration()

    /// Why the module refuses its load-time arguments; logged as a warning.
    struct Failure: Error {
        let message: String
    }

    /// Parses load-time arguments: each is first split on whitespace (SmartSim's colocated
    /// launcher passes `"THREADS_PER_QUEUE 1"` as one argument), then they must form
    /// `KEY VALUE` pairs. Keys are case-insensitive; `BACKENDSPATH` is applied first.
    static func parse(_ arguments: [String]) throws(Failure) -> Configuration {
        let words = arguments.flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) }
            .map(String.init)
        guard words.count % 2 == 0 else {
            throw Failure(message: "Even number of arguments provided to module. Please provide arguments as KEY VAL pairs")
        }
        var configuration = Configuration()
        let pairs = stride(from: 0, to: words.count, by: 2).map { (words[$0].uppercased(), words[$0 + 1]) }
        for (key, value) in pairs where key == "BACKENDSPATH" { configuration.backendsPath = value }
        for (key, value) in pairs {
            let bad = Failure(message: "ERR error processing argument: \(key) \(value)")
            func positive(_ minimum: Int = 1) throws(Failure) -> Int {
                guard let n = Int(value), n >= minimum else { throw bad }
                return n
            }
            switch key {
            case "BACKENDSPATH": break
            case "THREADS_PER_QUEUE", "THREADS":
                let n = try positive()
                guard n <= maximumThreadsPerQueue else { throw bad }
                configuration.threadsPerQueue = n
            case "INTER_OP_PARALLELISM": configuration.interOpParallelism = try positive()
            case "INTRA_OP_PARALLELISM": configuration.intraOpParallelism = try positive()
            case "MODEL_CHUNK_SIZE": configuration.modelChunkSize = try positive()
            case "MODEL_EXECUTION_TIMEOUT": configuration.modelExecutionTimeout = try positive(1000)
            case "BACKEND_MEMORY_LIMIT": configuration.backendMemoryLimit = try positive()
            case "INLINE_RUN_MICROSECONDS":
                let n = try positive(0)
                guard n <= maximumInlineRunMicroseconds else { throw bad }
                configuration.inlineRunMicroseconds = n
            case "ONNX":
                guard ModelExecutors.executor(for: .onnx) != nil else {
                    throw Failure(message: "ERR error processing argument: ONNX \(value) (this TandemAI build has no ONNX runtime)")
                }
                Log.notice("the ONNX runtime is built into TandemAI; ignoring the backend path \(value)")
            case "TORCH":
                configuration.backendsToLoad.append((.torch, value))
            case "TF", "TFLITE":
                throw Failure(message: "ERR error processing argument: \(key) \(value) (TandemAI supports the ONNX and TORCH backends only)")
            default:
                throw bad
            }
        }
        return configuration
    }

    /// `<folder of libTandemAI.so>/backends`, as RedisAI defaults it.
    static func defaultBackendsPath() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard CRedisModule_ModulePath(&buffer, buffer.count) == 0 else { return "backends" }
        let path = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return "backends" }
        return String(path[..<slash]) + "/backends"
    }
}
