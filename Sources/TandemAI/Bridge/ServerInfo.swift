import CRedisModule
import Glibc
import TandemONNX

/// The module's sections of `INFO MODULES` / `INFO everything`, prefixed `ai_` by
/// Redis. RedisAI 1.2.7's sections come first, in its order and with its field names:
/// `versions`, `git`, `load_time_configs`, `backends_info` and `cpu`. What TandemAI adds
/// is in a section of its own, `tandem`.
enum ServerInfo {
    /// The RedisAI version TandemAI answers as (1.2.7, what SmartSim builds).
    static let redisAIVersion = "1.2.7"
    /// `major*10000 + minor*100 + patch`.
    static let moduleVersion: Int32 = 10207
    /// `ai_git_sha`: RedisAI reports the commit it was built from. TandemAI is built by
    /// SwiftPM, which passes no build-time values to Swift code, so it says it does not know.
    static let gitSHA = "unknown"

    static let callback: RedisModuleInfoFunc = { ctx, _ in
        guard let ctx else { return }
        ServerInfo.add(to: ctx)
    }

    private static func add(to ctx: OpaquePointer) {
        _ = rm_info_add_section(ctx, "versions")
        _ = rm_info_add_field_cstring(ctx, "RedisAI_version", redisAIVersion)
        _ = rm_info_add_field_long_long(ctx, "low_level_API_version", 1)
        _ = rm_info_add_field_long_long(ctx, "rdb_version", Int64(DataTypes.encodingVersion))

        _ = rm_info_add_section(ctx, "git")
        _ = rm_info_add_field_cstring(ctx, "git_sha", gitSHA)

        let config = Configuration.current
        _ = rm_info_add_section(ctx, "load_time_configs")
        _ = rm_info_add_field_long_long(ctx, "threads_per_queue", Int64(config.threadsPerQueue))
        _ = rm_info_add_field_long_long(ctx, "inter_op_parallelism", Int64(config.interOpParallelism))
        _ = rm_info_add_field_long_long(ctx, "intra_op_parallelism", Int64(config.intraOpParallelism))
        _ = rm_info_add_field_long_long(ctx, "model_execution_timeout", Int64(config.modelExecutionTimeout))
        _ = rm_info_add_field_long_long(ctx, "backend_memory_limit", Int64(config.backendMemoryLimit))

        // RedisAI always adds this section, with fields only for the loaded backends.
        _ = rm_info_add_section(ctx, "backends_info")
        let executors = ModelExecutors.registered
        for (backend, executor) in executors {
            switch backend {
            case .onnx:
                _ = rm_info_add_field_cstring(ctx, "onnxruntime_version", executor.version)
                // TandemONNX does not allocate through a counting allocator as onnxruntime
                // does in RedisAI: it reports no allocator memory and no accesses.
                _ = rm_info_add_field_long_long(ctx, "onnxruntime_memory", 0)
                _ = rm_info_add_field_long_long(ctx, "onnxruntime_memory_access_num", 0)
                // At most one run per worker thread at a time.
                _ = rm_info_add_field_long_long(ctx, "onnxruntime_maximum_run_sessions_number",
                                                Int64(WorkerPool.all.reduce(0) { $0 + $1.threads.count }))
            case .torch: _ = rm_info_add_field_cstring(ctx, "Torch_version", executor.version)
            case .tf: _ = rm_info_add_field_cstring(ctx, "TensorFlow_version", executor.version)
            case .tflite: _ = rm_info_add_field_cstring(ctx, "TensorFlowLite_version", executor.version)
            }
        }

        _ = rm_info_add_section(ctx, "cpu")
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        _ = rm_info_add_field_cstring(ctx, "self_used_cpu_sys", seconds(usage.ru_stime))
        _ = rm_info_add_field_cstring(ctx, "self_used_cpu_user", seconds(usage.ru_utime))
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        _ = rm_info_add_field_cstring(ctx, "children_used_cpu_sys", seconds(usage.ru_stime))
        _ = rm_info_add_field_cstring(ctx, "children_used_cpu_user", seconds(usage.ru_utime))
        getrusage(Int32(CRM_RUSAGE_THREAD), &usage)
        _ = rm_info_add_field_cstring(ctx, "main_thread_used_cpu_sys", seconds(usage.ru_stime))
        _ = rm_info_add_field_cstring(ctx, "main_thread_used_cpu_user", seconds(usage.ru_utime))
        for pool in WorkerPool.all {
            for (n, thread) in pool.threads.enumerated() {
                var clock = clockid_t()
                var time = timespec()
                guard pthread_getcpuclockid(thread, &clock) == 0, clock_gettime(clock, &time) == 0 else { continue }
                let value = timeval(tv_sec: time.tv_sec, tv_usec: time.tv_nsec / 1000)
                _ = rm_info_add_field_cstring(ctx, "queue_\(pool.name)_bthread_n\(n + 1)_used_cpu_total", seconds(value))
            }
        }

        let batches = Statistics.batchTotals
        _ = rm_info_add_section(ctx, "tandem")
        _ = rm_info_add_field_cstring(ctx, "implementation", "swift")
        _ = rm_info_add_field_long_long(ctx, "batched_runs", batches.runs)
        _ = rm_info_add_field_long_long(ctx, "batched_requests", batches.requests)
        _ = rm_info_add_field_long_long(ctx, "blas_threads", Int64(BLASThreads.current))
    }

    /// `seconds.micro` with six digits, as RedisAI prints CPU times.
    static func seconds(_ time: timeval) -> String {
        let micro = String(time.tv_usec)
        return "\(time.tv_sec)." + String(repeating: "0", count: max(0, 6 - micro.count)) + micro
    }
}
