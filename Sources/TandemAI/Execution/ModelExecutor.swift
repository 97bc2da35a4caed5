import TandemTensor

/// A model runtime: builds runnable models from serialized blobs of one ``Backend``.
///
/// TandemAI runs no model on Redis's main thread except when it must (RDB/AOF loading,
/// MULTI) or when a fast-path run is tiny (``InlineRun``): ``load(_:options:)`` normally
/// runs on a worker thread, and so do runs. Register implementations in
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
    /// Whether ``outputNames`` is the exact output count `AI.MODELEXECUTE` must give (a
    /// TorchScript model returning a list does not say how long it is).
    var declaresOutputCount: Bool { get }
}

extension LoadedModel {
    var declaresOutputCount: Bool { true }
}

/// A model whose runtime reads the stored tensors directly (no copy into ``Tensor``s, and
/// scalars allowed): ``ModelRunJob`` calls ``run(values:)`` instead of ``LoadedModel/run(_:)``.
protocol StoredTensorModel: LoadedModel {
    func run(values inputs: [TensorValue]) throws(ModelExecutionError) -> [TensorValue]
}

/// What a runtime may use when it prepares a model.
struct ModelOptions: Sendable {
    /// The device string as given (`CPU`, `GPU:0`, …).
    var device: String
    /// `INTER_OP_PARALLELISM` (0 = runtime default).
    var interOpParallelism: Int
    /// `INTRA_OP_PARALLELISM` (0 = runtime default).
    var intraOpParallelism: Int
    /// `THREADS_PER_QUEUE`: worker threads that may run models of this device at once.
    var threadsPerQueue = 1
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
/// Built-in runtimes are registered in `RedisModule_OnLoad`; backend libraries add theirs
/// when they load (main thread), so reads from workers take the lock.
enum ModelExecutors {
    private static let mutex = PthreadMutex()
    nonisolated(unsafe) private static var executors: [Backend: any ModelExecutor] = [:]

    /// Registers the runtimes built into this module: ONNX (TandemONNX).
    static func registerBuiltIns() {
        register(ONNXExecutor(), for: .onnx)
    }

    /// Adds `executor` for `backend` (at load time, or when a backend library loads).
    static func register(_ executor: any ModelExecutor, for backend: Backend) {
        mutex.withLock { executors[backend] = executor }
    }

    /// The runtime for `backend`, if one is built in or loaded.
    static func executor(for backend: Backend) -> (any ModelExecutor)? {
        mutex.withLock { executors[backend] }
    }

    /// Every registered runtime, for `INFO MODULES`.
    static var registered: [(Backend, any ModelExecutor)] {
        mutex.withLock { Backend.allCases.compactMap { backend in executors[backend].map { (backend, $0) } } }
    }

    /// The error for running a model of `backend` when no runtime for it is loaded.
    static func notLoaded(_ backend: Backend) -> String {
        "ERR Backend not loaded: \(backend.name) (TandemAI runs ONNX built in and TORCH from its backend library; load it with AI.CONFIG LOADBACKEND \(backend.name) <path>)"
    }
}
