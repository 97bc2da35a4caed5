import CBLAS

/// The number of threads OpenBLAS gives each matrix product, for the whole process.
///
/// OpenBLAS starts one thread per processor and, between products, keeps them spinning and
/// yielding for a while. In a server where the runtime is one of several busy threads (the
/// Redis module: Redis's main thread, the queue's workers, clients on the same cores) those
/// threads take the processors from the others; the runtime's own parallelism comes from
/// splitting batches over its compute pool (see ``ONNXSession``), each group's products
/// then being single-threaded work.
public enum BLASThreads {
    /// Makes every later product use `count` threads (at least 1).
    public static func set(_ count: Int) {
        openblas_set_num_threads(Int32(clamping: max(count, 1)))
    }

    /// The threads a product may use now.
    public static var current: Int { Int(openblas_get_num_threads()) }
}
