import CRedisModule
import TandemONNX

/// The entry point Redis looks up after `dlopen`: `--loadmodule libTandemAI.so
/// [KEY VALUE …]` or `MODULE LOAD`.
///
/// The order matters (see “Building and loading” in Documentation/RedisModule.md):
/// arguments are validated before anything is registered, and the worker threads start
/// last, so a failed load leaves no thread running inside a library Redis then unloads.
@_cdecl("RedisModule_OnLoad")
public func redisModuleOnLoad(_ ctx: OpaquePointer?, _ argv: UnsafeMutablePointer<OpaquePointer?>?,
                              _ argc: Int32) -> Int32 {
    let failed = Int32(CRM_ERR)
    guard let ctx else { return failed }
    var missing: UnsafePointer<CChar>? = nil
    guard CRedisModule_Init(ctx, "ai", ServerInfo.moduleVersion, &missing) == CRM_OK else {
        // Without the API there is no way to log; Redis reports the failed load.
        return failed
    }
    ModelExecutors.registerBuiltIns()
    let arguments = Arguments(argv, argc)
    do {
        Configuration.current = try Configuration.parse((0..<arguments.count).map { arguments.text($0) })
    } catch {
        Log.warning(error.message)
        return failed
    }
    // OpenBLAS (the general ONNX runtime's Conv, and its Gemm and MatMul on weights computed
    // at run time) runs each product on the worker that asks for it, or on
    // INTRA_OP_PARALLELISM threads when that is given: its own threads, one per processor by
    // default, spin between products and took the CPU from Redis's main thread and the
    // clients (16 clients on a dense model, 2 cores: 350 → 760 batched requests/s).
    BLASThreads.set(max(Configuration.current.intraOpParallelism, 1))
    for (backend, path) in Configuration.current.backendsToLoad {
        do throws(BackendError) {
            try Backends.load(backend, path: path)
        } catch {
            Log.warning("ERR error processing argument: \(backend.name) \(path) (could not load the backend: \(error.message))")
            return failed
        }
    }
    // Initialise lazily-created globals now, on the main thread, so no first use happens
    // later in a forked child or races between threads.
    _ = Statistics.mutex
    _ = Command.all.count
    guard DataTypes.register(ctx) else {
        Log.warning("could not register the AI_TENSOR, AI__MODEL and AI_SCRIPT data types")
        return failed
    }
    guard Command.registerAll(ctx) else { return failed }
    _ = rm_set_module_options(ctx, Int32(CRM_OPTIONS_HANDLE_IO_ERRORS))
    _ = rm_register_info_func(ctx, ServerInfo.callback)
    guard WorkerPool.startCPUPool(threads: Configuration.current.threadsPerQueue) else {
        Log.warning("could not start the CPU worker threads")
        return failed
    }
    // Last, so a failed load registers nothing: the module's code stays mapped for good
    // from here on (Redis never unloads a module that registered data types).
    if !ProcessExit.install() {
        Log.warning("could not register the exit handler: SHUTDOWN may wait for running models")
    }
    Log.notice("TandemAI \(ServerInfo.redisAIVersion)-compatible module loaded: \(Configuration.current.threadsPerQueue) thread(s) per queue, model runtimes: \(ModelExecutors.registered.map { $0.0.name })")
    return Int32(CRM_OK)
}
