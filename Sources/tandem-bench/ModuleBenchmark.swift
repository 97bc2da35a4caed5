import ArgumentParser
import Foundation
import RESP
import TandemRedis
import TandemTensor

/// `tandem-bench module`: tensor staging through TandemAI against plain Redis strings.
///
/// One `redis-server` with the module loaded; on it, in the same run, round trips of
/// `AI.TENSORSET key FLOAT n BLOB b` + `AI.TENSORGET key META BLOB` (what SmartRedis sends)
/// and of `SET key b` + `GET key` with the same bytes. Short samples of both alternate, so
/// drift hits both equally. `ratio` is tensor round trips per second over plain ones, the
/// median over back-to-back sample pairs (target ≥ 0.9).
struct ModuleBenchmark: BenchmarkArea {
    static let configuration = CommandConfiguration(
        commandName: "module", abstract: "AI.TENSORSET+AI.TENSORGET against SET+GET of the same bytes, same server.")

    @OptionGroup var options: BenchmarkOptions

    @Option(help: "libTandemAI.so (default: $TANDEM_MODULE_PATH).")
    var module: String?

    @Option(help: "The redis-server executable ($REDIS_SERVER if set).")
    var redisServer = BenchServer.defaultExecutable

    @Option(parsing: .upToNextOption, help: "Float32 element counts (default: 16 KiB and 1.6 MiB of data).")
    var elements: [Int] = [4096, 419_430]

    func run() throws {
        guard let module = module ?? ProcessInfo.processInfo.environment["TANDEM_MODULE_PATH"] else {
            throw ValidationError("give --module or set TANDEM_MODULE_PATH to libTandemAI.so (make module builds it)")
        }
        let server = try BenchServer(executable: redisServer, module: module)
        defer { server.stop() }
        let connection = try server.connect()
        var generator = SeededGenerator(seed: 7)
        for count in elements {
            let floats = (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
            let blob = floats.withUnsafeBytes { Array($0) }
            let tensorSet = [Array("AI.TENSORSET".utf8), Array("t".utf8), Array("FLOAT".utf8), Array("\(count)".utf8), Array("BLOB".utf8), blob]
            let tensorGet = ["AI.TENSORGET", "t", "META", "BLOB"].map { Array($0.utf8) }
            let set = [Array("SET".utf8), Array("s".utf8), blob]
            let get = [Array("GET".utf8), Array("s".utf8)]
            // Both paths must actually move the bytes.
            guard try connection.send(tensorSet) == .simpleString("OK"),
                  try connection.send(tensorGet).array?.last == .bulkString(blob),
                  try connection.send(set) == .simpleString("OK"),
                  try connection.send(get) == .bulkString(blob) else {
                throw ValidationError("the server did not round-trip \(blob.count) bytes")
            }
            // Many short samples (about 4 MiB each), the two kinds interleaved in alternating
            // order, so load from other processes hits both alike; medians of the samples.
            let perSample = max(2, 4 * 1_048_576 / blob.count)
            let samples = options.quick ? 12 : 20 * options.measuredRepeats
            var tensorTimes: [Double] = [], plainTimes: [Double] = []
            for sample in 0..<(2 + samples) {
                let tensorFirst = sample % 2 == 0
                var tensor = 0.0, plain = 0.0
                for first in [tensorFirst, !tensorFirst] {
                    if first {
                        tensor = try time(perSample) { _ = try connection.send(tensorSet); _ = try connection.send(tensorGet) }
                    } else {
                        plain = try time(perSample) { _ = try connection.send(set); _ = try connection.send(get) }
                    }
                }
                if sample >= 2 { tensorTimes.append(tensor); plainTimes.append(plain) }
            }
            let tensorMs = median(tensorTimes), plainMs = median(plainTimes)
            // The ratio pairs each tensor sample with the plain sample taken right next to
            // it, so load from other processes on a shared machine cancels out.
            let ratio = median(zip(plainTimes, tensorTimes).map { $0 / $1 })
            BenchmarkRecord(bench: "module", case: "tensorset+tensorget", [
                "dtype": "FLOAT", "elements": count, "bytes": blob.count, "round_trips_per_sample": perSample, "samples": samples,
                "median_ms": tensorMs, "per_s": 1000 / tensorMs, "mib_per_s": Double(2 * blob.count) / 1_048_576 * 1000 / tensorMs,
                "peer": "redis SET+GET", "peer_median_ms": plainMs, "peer_per_s": 1000 / plainMs, "ratio": ratio,
            ]).emit()
        }
    }

    /// Milliseconds per call of `body`, over `count` calls.
    private func time(_ count: Int, _ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count { try body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(count)
    }
}
