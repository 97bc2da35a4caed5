import CRedisModule
import Glibc

/// The backend libraries loaded so far, loaded on first use as RedisAI does: by `AI.CONFIG
/// LOADBACKEND <backend> <path>`, a `<BACKEND> <path>` load-time argument, or the first
/// model or script that needs one (from `BACKENDSPATH`). The ONNX runtime is built in.
///
/// Loading happens on Redis's main thread; workers read the table under a lock.
enum Backends {
    private static let mutex = PthreadMutex()
    nonisolated(unsafe) private static var libraries: [Backend: BackendLibrary] = [:]

    /// The library file of `backend` under `BACKENDSPATH`, as RedisAI lays it out:
    /// `<BACKENDSPATH>/redisai_torch/redisai_torch.so`.
    static func defaultPath(_ backend: Backend, backendsPath: String) -> String? {
        switch backend {
        case .torch: backendsPath + "/redisai_torch/redisai_torch.so"
        case .tf, .tflite, .onnx: nil
        }
    }

    /// Whether a library for `backend` can be loaded at all (only TORCH today).
    static func isLoadable(_ backend: Backend) -> Bool { backend == .torch }

    /// The loaded library of `backend`, if any.
    static func library(_ backend: Backend) -> BackendLibrary? {
        mutex.withLock { libraries[backend] }
    }

    /// Every loaded library, for `INFO MODULES` and `AI.CONFIG GET BACKENDS`.
    static var loaded: [BackendLibrary] {
        mutex.withLock { Backend.allCases.compactMap { libraries[$0] } }
    }

    /// Loads `backend` from `path` (relative paths are resolved against `BACKENDSPATH`),
    /// unless it is loaded already. Main thread only.
    ///
    /// - Throws: why it could not be loaded.
    @discardableResult
    static func load(_ backend: Backend, path: String) throws(BackendError) -> BackendLibrary {
        if let library = library(backend) { return library }
        guard isLoadable(backend) else {
            throw BackendError("TandemAI has no \(backend.name) backend (it runs ONNX built in, and TORCH from a backend library)")
        }
        let config = Configuration.current
        let resolved = path.hasPrefix("/") ? path : config.backendsPath + "/" + path
        preferSleepingOpenMPThreads()
        let library = try BackendLibrary.open(backend, path: resolved, intraOpThreads: config.intraOpParallelism,
                                              interOpThreads: config.interOpParallelism)
        mutex.withLock { libraries[backend] = library }
        ModelExecutors.register(TorchExecutor(library: library), for: backend)
        Log.notice("loaded the \(backend.name) backend \(library.version) from \(resolved)")
        return library
    }

    /// Makes the OpenMP runtime a backend library brings (libtorch's libgomp, read once when
    /// the library is opened) put its idle threads to sleep at once instead of spinning,
    /// unless the operator chose a policy (`OMP_WAIT_POLICY` or `GOMP_SPINCOUNT` set).
    ///
    /// Spinning suits a process that owns its cores. A database server does not: Redis's
    /// own thread, its clients and, colocated, the simulation share them, and a helper
    /// thread spinning between operators (and for milliseconds after a run) takes the core
    /// one of them needs. On 2 busy cores a batch-50 TorchScript run took several times as
    /// long with spinning helpers as with sleeping ones.
    static func preferSleepingOpenMPThreads() {
        guard getenv("OMP_WAIT_POLICY") == nil, getenv("GOMP_SPINCOUNT") == nil else { return }
        setenv("OMP_WAIT_POLICY", "PASSIVE", 0)
    }

    /// The library of `backend`, loaded from `BACKENDSPATH` on first use. Main thread only.
    ///
    /// - Throws: `ERR Could not load backend <NAME>: <why>` (RedisAI's text, then the reason).
    static func require(_ backend: Backend) throws(CommandError) -> BackendLibrary {
        if let library = library(backend) { return library }
        guard let path = defaultPath(backend, backendsPath: Configuration.current.backendsPath) else {
            throw Backend.unsupported(backend.name)
        }
        do throws(BackendError) {
            return try load(backend, path: path)
        } catch {
            Log.warning("could not load the \(backend.name) backend: \(error.message)")
            throw CommandError("ERR Could not load backend \(backend.name): \(error.message) (build it with `make torch-backend`, or load it with AI.CONFIG LOADBACKEND \(backend.name) <path>)")
        }
    }

    /// Loads `backend` from `BACKENDSPATH` if it is not loaded, for values read from RDB or
    /// AOF; logs and answers `nil` when that fails.
    static func loadQuietly(_ backend: Backend) -> BackendLibrary? {
        if let library = library(backend) { return library }
        return try? require(backend)
    }
}
