import ArgumentParser
import TandemNN

/// Temporary: measures the compute pool's dispatch cost and parallel speed-up.
struct PoolProbe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pool-probe", shouldDisplay: false)
    func run() throws {
        for threads in [1, 2] {
            let pool = ComputePool(threads: threads)
            let empty = measure(warmup: 100, repeats: 20) { for _ in 0..<1000 { pool.run(tasks: 50) { _, _ in } } }
            var sink = [Double](repeating: 0, count: 64)
            let heavy = measure(warmup: 2, repeats: 10) {
                sink.withUnsafeMutableBufferPointer { s in
                    pool.run(tasks: 50) { t, w in
                        var x = 1.0
                        for i in 0..<200_000 { x = x * 1.0000001 + Double(i & 1) }
                        s[t] = x
                        s[50 + w] += 1
                    }
                }
            }
            printJSON(["per_worker": Array(sink[50..<52]), "threads": threads, "empty_1000_dispatch_ms": empty, "heavy_ms": heavy])
        }
    }
}
