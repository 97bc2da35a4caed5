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
/// (400×64×64 float32, MB/s moved), `put_dataset` (the tutorial's two-tensor dataset,
/// latency). Tensor cases need the TandemAI module (`--module` or `TANDEM_MODULE_PATH`);
/// the peer needs the Python with smartredis (`--python` or `TANDEM_PYTHON`).
struct ClientBenchmark: ParsableCommand {
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
        let scale = options.quick ? 1 : 4
        let repeats = options.measuredRepeats

        let peer = try PythonPeer(python: python ?? environment["TANDEM_PYTHON"], port: server.port)
            .run(quick: options.quick, repeats: repeats, module: hasModule)

        // 64×64 float32 put + get.
        var rng = SeededGenerator(seed: 1)
        let small = Tensor(shape: [64, 64], scalars: (0..<4096).map { _ in Float.random(in: 0..<1, using: &rng) })
        let smallIterations = 50 * scale
        let smallSetGet = try measureMedian(repeats: repeats) {
            for _ in 0..<smallIterations { try setGet(client, "bench_small_raw", small.bytes) }
        } / Double(smallIterations)
        if hasModule {
            let ms = try measureMedian(repeats: repeats) {
                for _ in 0..<smallIterations {
                    try client.putTensor("bench_small", small)
                    _ = try client.getTensor("bench_small")
                }
            } / Double(smallIterations)
            emitRate("tensor_put_get", shape: "64x64", ms: ms, peerMs: peer?["tensor_put_get"], setGetMs: smallSetGet)
        } else {
            skipped("tensor_put_get", setGetMs: smallSetGet)
        }

        // 400×64×64 float32 put + get.
        let batch = Tensor(shape: [400, 64, 64], scalars: (0..<(400 * 4096)).map { _ in Float.random(in: 0..<1, using: &rng) })
        let batchIterations = 2 * scale
        let megabytes = 2 * Double(batch.bytes.count) / 1e6
        let batchSetGet = try measureMedian(repeats: repeats) {
            for _ in 0..<batchIterations { try setGet(client, "bench_batch_raw", batch.bytes) }
        } / Double(batchIterations)
        if hasModule {
            let ms = try measureMedian(repeats: repeats) {
                for _ in 0..<batchIterations {
                    try client.putTensor("bench_batch", batch)
                    _ = try client.getTensor("bench_batch")
                }
            } / Double(batchIterations)
            var record = BenchmarkRecord(bench: "client", case: "batch_put_get", [
                "shape": "400x64x64", "dtype": "float32", "bytes": batch.bytes.count,
                "median_ms": ms, "mb_per_s": megabytes / ms * 1000,
            ])
            appendPeer(&record, ms: ms, peerMs: peer?["batch_put_get"]) { megabytes / $0 * 1000 }
            record.fields += [("setget_median_ms", batchSetGet), ("setget_mb_per_s", megabytes / batchSetGet * 1000),
                              ("vs_setget", batchSetGet / ms)]
            record.emit()
        } else {
            skipped("batch_put_get", setGetMs: batchSetGet)
        }

        // put_dataset of the tutorial's dataset: u_init and u_steady, float32 [1, 64, 64, 1].
        var dataset = Dataset(name: "bench_sim_data")
        let field = (0..<4096).map { _ in Float.random(in: 0..<1, using: &rng) }
        try dataset.addTensor("u_init", field, shape: [1, 64, 64, 1])
        try dataset.addTensor("u_steady", field.reversed(), shape: [1, 64, 64, 1])
        let datasetIterations = 50 * scale
        let rawPipeline = try measureMedian(repeats: repeats) {
            for _ in 0..<datasetIterations { try plainDatasetPipeline(client, dataset) }
        } / Double(datasetIterations)
        if hasModule {
            let ms = try measureMedian(repeats: repeats) {
                for _ in 0..<datasetIterations { try client.putDataset(dataset) }
            } / Double(datasetIterations)
            var record = BenchmarkRecord(bench: "client", case: "put_dataset", [
                "tensors": 2, "shape": "1x64x64x1", "dtype": "float32", "median_ms": ms, "per_s": 1000 / ms,
            ])
            appendPeer(&record, ms: ms, peerMs: peer?["put_dataset"]) { 1000 / $0 }
            record.fields += [("plain_pipeline_median_ms", rawPipeline), ("vs_plain_pipeline", rawPipeline / ms)]
            record.emit()
        } else {
            skipped("put_dataset", setGetMs: rawPipeline)
        }
    }

    /// One `SET` and one `GET` of `bytes`, the baseline of a put + get.
    private func setGet(_ client: Client, _ key: String, _ bytes: [UInt8]) throws {
        _ = try client.send(Command(arguments: [Array("SET".utf8), Array(key.utf8), bytes]))
        guard case .bulkString(let back) = try client.send(Command("GET", key)), back.count == bytes.count else {
            throw ValidationError("GET \(key) returned something else than was SET")
        }
    }

    /// The dataset's bytes written as plain Redis values in one pipeline of as many commands.
    private func plainDatasetPipeline(_ client: Client, _ dataset: Dataset) throws {
        var commands = [Command("DEL", "raw.meta"), Command("HSET", "raw.meta", ".tensor_names", "u_init,u_steady")]
        for name in dataset.tensorNames {
            commands.append(Command(arguments: [Array("SET".utf8), Array("raw.\(name)".utf8), try dataset.tensor(name).bytes]))
        }
        commands.append(Command("HSET", "raw.meta", ".COMPLETE", "1"))
        _ = try client.send(pipeline: commands)
    }

    private func emitRate(_ name: String, shape: String, ms: Double, peerMs: Double?, setGetMs: Double) {
        var record = BenchmarkRecord(bench: "client", case: name, [
            "shape": shape, "dtype": "float32", "median_ms": ms, "per_s": 1000 / ms,
        ])
        appendPeer(&record, ms: ms, peerMs: peerMs) { 1000 / $0 }
        record.fields += [("setget_median_ms", setGetMs), ("setget_per_s", 1000 / setGetMs), ("vs_setget", setGetMs / ms)]
        record.emit()
    }

    /// Adds `peer`, `peer_median_ms`, the peer's rate and `ratio` (ours over the peer's speed).
    private func appendPeer(_ record: inout BenchmarkRecord, ms: Double, peerMs: Double?, rate: (Double) -> Double) {
        guard let peerMs else {
            record.fields.append(("peer", "unavailable (set TANDEM_PYTHON)"))
            return
        }
        let rateKey = record.fields.contains { $0.0 == "mb_per_s" } ? "peer_mb_per_s" : "peer_per_s"
        record.fields += [("peer", "smartredis 0.6.1 python"), ("peer_median_ms", peerMs), (rateKey, rate(peerMs)),
                          ("ratio", peerMs / ms)]
    }

    private func skipped(_ name: String, setGetMs: Double) {
        BenchmarkRecord(bench: "client", case: name, [
            "skipped": "no TandemAI module (set TANDEM_MODULE_PATH or --module)", "setget_median_ms": setGetMs,
        ]).emit()
    }
}

// MARK: - The server and the Python peer

/// A `redis-server` for the benchmark on a free loopback port, optionally with TandemAI.
private final class BenchServer {
    let port: Int
    private let process = Process()

    init(module: String?) throws {
        port = try Self.freePort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["REDIS_SERVER"] ?? "/usr/bin/redis-server")
        process.arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", directory.path, "--logfile", "redis.log"] + (module.map { ["--loadmodule", $0] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            var configuration = ClientConfiguration(address: .tcp(host: "127.0.0.1", port: port))
            configuration.connectionRetry = RetryPolicy(timeoutMilliseconds: 100, intervalMilliseconds: 50)
            if (try? Client(configuration: configuration)) != nil { return }
            guard process.isRunning else { break }
        }
        stop()
        throw ValidationError("redis-server did not start; see \(directory.path)/redis.log")
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw ValidationError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The same cases run by the SmartRedis Python client, timed in Python with `perf_counter`.
private struct PythonPeer {
    var python: String?
    var port: Int

    /// Median milliseconds per operation by case, or `nil` without a usable interpreter.
    func run(quick: Bool, repeats: Int, module: Bool) throws -> [String: Double]? {
        guard let python, FileManager.default.isExecutableFile(atPath: python) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.script, quick ? "quick" : "full", String(repeats), module ? "1" : "0"]
        var environment = ProcessInfo.processInfo.environment
        environment["SSDB"] = "127.0.0.1:\(port)"
        environment["SR_DB_TYPE"] = "Standalone"
        environment["SR_LOG_LEVEL"] = "QUIET"
        for key in ["SSKEYIN", "SSKEYOUT"] { environment[key] = nil }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let figures = try JSONSerialization.jsonObject(with: data) as? [String: Double] else {
            throw ValidationError("the SmartRedis peer failed (exit \(process.terminationStatus))")
        }
        return figures
    }

    static let script = """
        import json, sys, time
        import numpy as np
        from smartredis import Client, Dataset
        quick, repeats, module = sys.argv[1] == "quick", int(sys.argv[2]), sys.argv[3] == "1"
        scale = 1 if quick else 4
        client = Client(None)
        def median(xs):
            xs = sorted(xs); n = len(xs)
            return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2
        def measure(fn, iterations):
            for _ in range(iterations): fn()
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                for _ in range(iterations): fn()
                times.append((time.perf_counter() - start) * 1000 / iterations)
            return median(times)
        out = {}
        if module:
            rng = np.random.default_rng(1)
            small = rng.random((64, 64), dtype=np.float32)
            def small_round_trip():
                client.put_tensor("py_small", small); client.get_tensor("py_small")
            out["tensor_put_get"] = measure(small_round_trip, 50 * scale)
            batch = rng.random((400, 64, 64), dtype=np.float32)
            def batch_round_trip():
                client.put_tensor("py_batch", batch); client.get_tensor("py_batch")
            out["batch_put_get"] = measure(batch_round_trip, 2 * scale)
            dataset = Dataset("py_sim_data")
            field = rng.random((1, 64, 64, 1), dtype=np.float32)
            dataset.add_tensor("u_init", field)
            dataset.add_tensor("u_steady", field[:, ::-1].copy())
            out["put_dataset"] = measure(lambda: client.put_dataset(dataset), 50 * scale)
        json.dump(out, sys.stdout)
        """
}
