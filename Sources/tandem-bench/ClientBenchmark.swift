import ArgumentParser
import Foundation
import Glibc
import RESP
import TandemClient
import TandemTensor

/// `tandem-bench client`: TandemClient against the SmartRedis Python client (C++ core) on
/// the same `redis-server` in the same run, and against plain `SET`/`GET` of the same bytes
/// over one connection.
///
/// Cases: `tensor_put_get` (64×64 float32 put + get round trips per second), `batch_put_get`
/// (400×64×64 float32, MB/s moved; also `batch_put` and `batch_get` alone), `put_dataset` (the tutorial's two-tensor dataset,
/// latency). Each repeat runs TandemClient, the peer and the baseline back to back, and
/// each figure is the median over repeats. Tensor cases need the TandemAI module (`--module` or `TANDEM_MODULE_PATH`);
/// the peer needs the Python with smartredis (`--python` or `TANDEM_PYTHON`).
struct ClientBenchmark: BenchmarkArea {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "TandemClient vs the SmartRedis Python client and plain SET/GET.")

    @OptionGroup var options: BenchmarkOptions

    @Option(help: "The TandemAI module to load (default: $TANDEM_MODULE_PATH).")
    var module: String?

    @Option(help: "Python with smartredis==0.6.1 (default: $TANDEM_PYTHON).")
    var python: String?

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let modulePath = module ?? environment["TANDEM_MODULE_PATH"]
        let hasModule = modulePath.map { FileManager.default.fileExists(atPath: $0) } ?? false
        let server = try BenchServer(module: hasModule ? modulePath : nil)
        defer { server.stop() }
        let client = try Client(address: .tcp(host: "127.0.0.1", port: server.port))
        let peer = hasModule ? try SmartRedisPeer(python: python ?? environment["TANDEM_PYTHON"], ssdb: "127.0.0.1:\(server.port)", clustered: false) : nil
        defer { peer?.stop() }
        let scale = options.quick ? 1 : 4

        var rng = SeededGenerator(seed: 1)
        let small = Tensor(shape: [64, 64], scalars: (0..<4096).map { _ in Float.random(in: 0..<1, using: &rng) })
        let batch = Tensor(shape: [400, 64, 64], scalars: (0..<(400 * 4096)).map { _ in Float.random(in: 0..<1, using: &rng) })
        var dataset = Dataset(name: "bench_sim_data")
        let field = (0..<4096).map { _ in Float.random(in: 0..<1, using: &rng) }
        try dataset.addTensor("u_init", field, shape: [1, 64, 64, 1])
        try dataset.addTensor("u_steady", field.reversed(), shape: [1, 64, 64, 1])

        let cases = [
            Case(name: "tensor_put_get", iterations: 50 * scale,
                 tandem: { try client.putTensor("bench_small", small); _ = try client.getTensor("bench_small") },
                 baseline: { try setGet(client, "bench_small_raw", small.bytes) }),
            Case(name: "batch_put_get", iterations: 2 * scale,
                 tandem: { try client.putTensor("bench_batch", batch); _ = try client.getTensor("bench_batch") },
                 baseline: { try setGet(client, "bench_batch_raw", batch.bytes) }),
            Case(name: "batch_put", iterations: 2 * scale,
                 tandem: { try client.putTensor("bench_batch", batch) },
                 baseline: { _ = try client.send(Command(arguments: [Array("SET".utf8), Array("bench_batch_raw".utf8), batch.bytes])) }),
            Case(name: "batch_get", iterations: 2 * scale,
                 tandem: { _ = try client.getTensor("bench_batch") },
                 baseline: { _ = try client.send(Command("GET", "bench_batch_raw")) }),
            Case(name: "put_dataset", iterations: 50 * scale,
                 tandem: { try client.putDataset(dataset) },
                 baseline: { try plainDatasetPipeline(client, dataset, acknowledgeApart: false) }),
        ]
        // put_dataset writes `.COMPLETE` only after every other write succeeded: one round
        // trip more than a single pipeline. The same with plain commands shows that cost.
        let acknowledged = Case(name: "put_dataset", iterations: 50 * scale, tandem: {},
                                baseline: { try plainDatasetPipeline(client, dataset, acknowledgeApart: true) })
        var acknowledgedSamples: [Double] = []
        // Every repeat runs TandemClient, the peer and the baseline back to back, so that
        // load from elsewhere on the machine hits all three alike; the first round warms up.
        var samples = [String: (tandem: [Double], peer: [Double], baseline: [Double])]()
        // Loopback timings on a shared machine are noisy: more repeats than the default.
        let repeats = options.repeats ?? (options.quick ? 2 : 11)
        guard hasModule else {
            for item in cases {
                BenchmarkRecord(bench: "client", case: item.name, ["skipped": "no TandemAI module (set TANDEM_MODULE_PATH or --module)"]).emit()
            }
            return
        }
        for round in 0...repeats {
            for item in cases {
                let baseline = try item.time(item.baseline)
                let tandem = try item.time(item.tandem)
                let peerMs = try peer?.time(item.name, iterations: item.iterations)
                guard round > 0 else { continue }
                samples[item.name, default: ([], [], [])].tandem.append(tandem)
                samples[item.name, default: ([], [], [])].baseline.append(baseline)
                if let peerMs { samples[item.name, default: ([], [], [])].peer.append(peerMs) }
                if item.name == "put_dataset" { acknowledgedSamples.append(try acknowledged.time(acknowledged.baseline)) }
            }
        }
        let batchMB = 2 * Double(batch.bytes.count) / 1e6
        for item in cases {
            let figures = samples[item.name]!
            let ms = median(figures.tandem), baseline = median(figures.baseline)
            let peerMs = figures.peer.isEmpty ? nil : median(figures.peer)
            // Ratios pair each sample with the ones taken right next to it, so load from
            // other processes on a shared machine cancels out.
            let vsBaseline = median(zip(figures.baseline, figures.tandem).map { $0 / $1 })
            let vsPeer = figures.peer.isEmpty ? nil : median(zip(figures.peer, figures.tandem).map { $0 / $1 })
            var record: BenchmarkRecord
            switch item.name {
            case "tensor_put_get":
                record = BenchmarkRecord(bench: "client", case: item.name, [
                    "shape": "64x64", "dtype": "float32", "median_ms": ms, "per_s": 1000 / ms])
                appendPeer(&record, peerMs: peerMs, ratio: vsPeer, rateKey: "peer_per_s") { 1000 / $0 }
                record.fields += [("setget_median_ms", baseline), ("setget_per_s", 1000 / baseline), ("vs_setget", vsBaseline)]
            case "batch_put_get", "batch_put", "batch_get":
                // MB moved: both ways for put + get, one way for put or get alone.
                let megabytes = item.name == "batch_put_get" ? batchMB : batchMB / 2
                record = BenchmarkRecord(bench: "client", case: item.name, [
                    "shape": "400x64x64", "dtype": "float32", "bytes": batch.bytes.count,
                    "median_ms": ms, "mb_per_s": megabytes / ms * 1000])
                appendPeer(&record, peerMs: peerMs, ratio: vsPeer, rateKey: "peer_mb_per_s") { megabytes / $0 * 1000 }
                let plain = item.name == "batch_put" ? "set" : item.name == "batch_get" ? "get" : "setget"
                record.fields += [("\(plain)_median_ms", baseline), ("\(plain)_mb_per_s", megabytes / baseline * 1000),
                                  ("vs_\(plain)", vsBaseline)]
            default:
                record = BenchmarkRecord(bench: "client", case: item.name, [
                    "tensors": 2, "shape": "1x64x64x1", "dtype": "float32", "median_ms": ms, "per_s": 1000 / ms])
                appendPeer(&record, peerMs: peerMs, ratio: vsPeer, rateKey: "peer_per_s") { 1000 / $0 }
                record.fields += [("plain_pipeline_median_ms", baseline), ("vs_plain_pipeline", vsBaseline),
                                  ("plain_acknowledged_median_ms", median(acknowledgedSamples)),
                                  ("vs_plain_acknowledged", median(zip(acknowledgedSamples, figures.tandem).map { $0 / $1 }))]
            }
            record.fields.append(("repeats", figures.tandem.count))
            record.emit()
        }
    }

    /// One measured case: TandemClient's operation and its plain-Redis baseline.
    private struct Case {
        var name: String
        var iterations: Int
        var tandem: () throws -> Void
        var baseline: () throws -> Void

        /// Milliseconds per call of `body`, over `iterations` calls.
        func time(_ body: () throws -> Void) throws -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<iterations { try body() }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(iterations)
        }
    }

    /// One `SET` and one `GET` of `bytes`, the baseline of a put + get.
    private func setGet(_ client: Client, _ key: String, _ bytes: [UInt8]) throws {
        _ = try client.send(Command(arguments: [Array("SET".utf8), Array(key.utf8), bytes]))
        guard case .bulkString(let back) = try client.send(Command("GET", key)), back.count == bytes.count else {
            throw ValidationError("GET \(key) returned something else than was SET")
        }
    }

    /// The dataset's bytes written as plain Redis values in one pipeline of as many commands,
    /// or, with `acknowledgeApart`, with the final `HSET` sent after the pipeline's replies.
    private func plainDatasetPipeline(_ client: Client, _ dataset: Dataset, acknowledgeApart: Bool) throws {
        var commands = [Command("DEL", "raw.meta"), Command("HSET", "raw.meta", ".tensor_names", "u_init,u_steady")]
        for name in dataset.tensorNames {
            commands.append(Command(arguments: [Array("SET".utf8), Array("raw.\(name)".utf8), try dataset.tensor(name).bytes]))
        }
        let acknowledgement = Command("HSET", "raw.meta", ".COMPLETE", "1")
        if acknowledgeApart {
            _ = try client.send(pipeline: commands)
            _ = try client.send(acknowledgement)
        } else {
            _ = try client.send(pipeline: commands + [acknowledgement])
        }
    }

    /// Adds `peer`, `peer_median_ms`, the peer's rate and `ratio` (our speed over the peer's).
    private func appendPeer(_ record: inout BenchmarkRecord, peerMs: Double?, ratio: Double?, rateKey: String,
                            rate: (Double) -> Double) {
        guard let peerMs, let ratio else {
            record.fields.append(("peer", "unavailable (set TANDEM_PYTHON)"))
            return
        }
        record.fields += [("peer", "smartredis 0.6.1 python"), ("peer_median_ms", peerMs), (rateKey, rate(peerMs)),
                          ("ratio", ratio)]
    }
}
