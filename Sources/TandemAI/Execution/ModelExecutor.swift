import TandemTensor

/// A model runtime: builds runnable models from serialized blobs of one ``Backend``.
///
/// TandemAI runs no model on Redis's main thread except when it must (RDB/AOF loading,
/// MULTI): ``load(_:options:)`` normally runs on a worker thread, and
/// ``LoadedModel/run(_:)`` always does. Register implementations in
/// ``ModelExecutors/registerBuiltIns()``.
protocol ModelExecutor: Sendable {
    /// The version reported in `INFO MODULES` (`ai_onnxruntime_version` for ONNX).
    var version: String { get }

    /// Parses and prepares a model. A garbage blob must throw, never trap.
    ///
    /// - Throws: ``ModelExecutionError``, whose message is sent to the client verbatim.
    func load(_ blob: UnsafeRawBufferPointer, options: ModelOptions) throws(ModelExecutionError) -> any LoadedModel
}

/// A prepared model. Its input and output counts are what `AI.MODELEXECUTE` checks.
protocol LoadedModel: AnyObject, Sendable {
    /// Input names, in the order inputs are given.
    var inputNames: [String] { get }
    /// Output names, in the order outputs are stored.
    var outputNames: [String] { get }
    /// Runs the model on one request's inputs (called on a worker thread, possibly on
    /// several workers at once).
    func run(_ inputs: [Tensor]) throws(ModelExecutionError) -> [Tensor]
}

/// What a runtime may use when it prepares a model.
struct ModelOptions: Sendable {
    /// The device string as given (`CPU`, `GPU:0`, …).
    var device: String
    /// `INTER_OP_PARALLELISM` (0 = runtime default).
    var interOpParallelism: Int
    /// `INTRA_OP_PARALLELISM` (0 = runtime default).
    var intraOpParallelism: Int
    /// `MODEL_EXECUTION_TIMEOUT` in ms.
    var executionTimeout: Int
}

/// A runtime's failure; `message` is the whole error reply (RedisAI sends backend texts
/// as they are, often without `ERR `).
struct ModelExecutionError: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The registry of model runtimes, one per backend at most.
///
/// Filled in `RedisModule_OnLoad` before any worker starts and never changed afterwards,
/// so workers read it without a lock.
enum ModelExecutors {
    nonisolated(unsafe) private static var executors: [Backend: any ModelExecutor] = [:]

    /// Registers the runtimes built into this module: ONNX (TandemONNX).
    static func registerBuiltIns() {
        register(ONNXExecutor(), for: .onnx)
    }

    /// Adds `executor` for `backend` (load time only).
    static func register(_ executor: any ModelExecutor, for backend: Backend) {
        executors[backend] = executor
    }

    /// The runtime for `backend`, if one is built in.
    static func executor(for backend: Backend) -> (any ModelExecutor)? {
        executors[backend]
    }

    /// Every registered runtime, for `INFO MODULES`.
    static var registered: [(Backend, any ModelExecutor)] {
        Backend.allCases.compactMap { backend in executors[backend].map { (backend, $0) } }
    }

    /// The error for running a model of `backend` when no runtime for it is built in.
    static func notLoaded(_ backend: Backend) -> String {
        "ERR Backend not loaded: \(backend.name) (this TandemAI build has no \(backend.name) runtime)"
    }
}
