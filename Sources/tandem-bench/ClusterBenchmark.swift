import ArgumentParser
import Foundation
import TandemClient
import TandemRedis
import TandemTensor

/// `tandem-bench cluster`: TandemClient on a local 3-shard Redis Cluster (TandemAI on every
/// shard) against the SmartRedis Python client in cluster mode on the same cluster, and
/// against TandemClient on one standalone server started in the same run.
///
/// Cases: `tensor_put_get` (64×64 float32 put + get round trips per second) and
/// `put_dataset` (the tutorial's two-tensor dataset). Every repeat runs all clients back to
/// back; each figure is a median over repeats, and `ratio` (TandemClient over SmartRedis,
/// both on the cluster) and `vs_standalone` (TandemClient on the cluster over itself on one
/// server) pair the samples taken next to each other. On one machine a cluster cannot add
/// throughput: `vs_standalone` shows the cost of routing.
struct ClusterBenchmark: BenchmarkArea {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "TandemClient on a 3-shard cluster vs SmartRedis Python (cluster mode) and vs one server.")

    @OptionGroup var options: BenchmarkOptions

    @Option(help: "The TandemAI module to load (default: $TANDEM_MODULE_PATH).")
    var module: String?

    @Option(help: "Python with smartredis==0.6.1 (default: $TANDEM_PYTHON).")
    var python: String?

    @Option(help: "Number of shards (at least 3).")
    var shards = 3

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let modulePath = module ?? environment["TANDEM_MODULE_PATH"], FileManager.default.fileExists(atPath: modulePath) else {
            for name in ["tensor_put_get", "put_dataset"] {
                BenchmarkRecord(bench: "cluster", case: name, ["skipped": "no TandemAI module (set TANDEM_MODULE_PATH or --module)"]).emit()
            }
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-cluster-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cluster: RedisClusterProcess
        do {
            cluster = try RedisClusterProcess.start(shards: shards, directory: directory.path, module: (modulePath, []))
        } catch {
            throw ValidationError("\(error)")
        }
        defer { cluster.stop() }
        let server = try BenchServer(module: modulePath)
        defer { server.stop() }

        let clustered = try Client(configuration: ClientConfiguration(addresses: cluster.masterAddresses, kind: .clustered))
        let standalone = try Client(address: .tcp(host: "127.0.0.1", port: server.port))
        let ssdb = cluster.masterAddresses.map(\.description).joined(separator: ",")
        let peer = try ClusterPythonPeer(python: python ?? environment["TANDEM_PYTHON"], ssdb: ssdb)
        defer { peer?.stop() }

        var rng = SeededGenerator(seed: 1)
        let small = Tensor(shape: [64, 64], scalars: (0..<4096).map { _ in Float.random(in: 0..<1, using: &rng) })
        var dataset = Dataset(name: "bench_sim_data")
        let field = (0..<4096).map { _ in Float.random(in: 0..<1, using: &rng) }
        try dataset.addTensor("u_init", field, shape: [1, 64, 64, 1])
        try dataset.addTensor("u_steady", field.reversed(), shape: [1, 64, 64, 1])

        let scale = options.quick ? 1 : 4
        let cases: [(name: String, iterations: Int, run: (Client) throws -> Void)] = [
            ("tensor_put_get", 50 * scale, { client in try client.putTensor("bench_small", small); _ = try client.getTensor("bench_small") }),
            ("put_dataset", 50 * scale, { client in try client.putDataset(dataset) }),
        ]
        let repeats = options.repeats ?? (options.quick ? 2 : 11)
        var samples = [String: (cluster: [Double], standalone: [Double], peer: [Double])]()
        for round in 0...repeats {
            for item in cases {
                let onCluster = try time(item.iterations) { try item.run(clustered) }
                let onServer = try time(item.iterations) { try item.run(standalone) }
                let peerMs = try peer?.time(item.name, iterations: item.iterations)
                guard round > 0 else { continue }
                samples[item.name, default: ([], [], [])].cluster.append(onCluster)
                samples[item.name, default: ([], [], [])].standalone.append(onServer)
                if let peerMs { samples[item.name, default: ([], [], [])].peer.append(peerMs) }
            }
        }
        for item in cases {
            let figures = samples[item.name]!
            let ms = median(figures.cluster), standaloneMs = median(figures.standalone)
            var record = BenchmarkRecord(bench: "cluster", case: item.name, [
                "shards": shards, "median_ms": ms, "per_s": 1000 / ms])
            if item.name == "tensor_put_get" {
                record.fields.insert(contentsOf: [("shape", "64x64"), ("dtype", "float32")] as [(String, Any)], at: 3)
            } else {
                record.fields.insert(contentsOf: [("tensors", 2), ("shape", "1x64x64x1"), ("dtype", "float32")] as [(String, Any)], at: 3)
            }
            if figures.peer.isEmpty {
                record.fields.append(("peer", "unavailable (set TANDEM_PYTHON)"))
            } else {
                let peerMs = median(figures.peer)
                record.fields += [("peer", "smartredis 0.6.1 python, cluster mode"), ("peer_median_ms", peerMs),
                                  ("peer_per_s", 1000 / peerMs), ("ratio", median(zip(figures.peer, figures.cluster).map { $0 / $1 }))]
            }
            record.fields += [("standalone_median_ms", standaloneMs), ("standalone_per_s", 1000 / standaloneMs),
                              ("vs_standalone", median(zip(figures.standalone, figures.cluster).map { $0 / $1 })),
                              ("repeats", figures.cluster.count)]
            record.emit()
        }
    }

    /// Milliseconds per call of `body` over `iterations` calls.
    private func time(_ iterations: Int, _ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { try body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(iterations)
    }
}

/// The SmartRedis Python client in cluster mode in a long-lived Python process, timed there
/// with `perf_counter`: each request `case iterations` on stdin is answered with the
/// milliseconds per operation on stdout.
private final class ClusterPythonPeer {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = Data()

    /// Starts the peer, or returns `nil` without a usable interpreter.
    init?(python: String?, ssdb: String) throws {
        guard let python, FileManager.default.isExecutableFile(atPath: python) else { return nil }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.script]
        var environment = ProcessInfo.processInfo.environment
        environment[ClientVariables.address] = ssdb
        environment[ClientVariables.databaseType] = "Clustered"
        environment["SR_LOG_LEVEL"] = "QUIET"
        for key in ["SSKEYIN", "SSKEYOUT"] { environment[key] = nil }
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    /// Milliseconds per operation of `name` over `iterations` operations.
    func time(_ name: String, iterations: Int) throws -> Double {
        input.fileHandleForWriting.write(Data("\(name) \(iterations)\n".utf8))
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                guard let ms = Double(line) else { throw ValidationError("the SmartRedis peer said: \(line)") }
                return ms
            }
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw ValidationError("the SmartRedis peer exited") }
            buffer.append(chunk)
        }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    static let script = """
        import sys, time
        import numpy as np
        from smartredis import Client, Dataset
        client = Client(None)
        rng = np.random.default_rng(1)
        small = rng.random((64, 64), dtype=np.float32)
        dataset = Dataset("py_sim_data")
        field = rng.random((1, 64, 64, 1), dtype=np.float32)
        dataset.add_tensor("u_init", field)
        dataset.add_tensor("u_steady", field[:, ::-1].copy())
        def tensor_put_get():
            client.put_tensor("py_small", small); client.get_tensor("py_small")
        def put_dataset():
            client.put_dataset(dataset)
        cases = {"tensor_put_get": tensor_put_get, "put_dataset": put_dataset}
        for line in sys.stdin:
            name, iterations = line.split()
            fn, iterations = cases[name], int(iterations)
            start = time.perf_counter()
            for _ in range(iterations): fn()
            print((time.perf_counter() - start) * 1000 / iterations, flush=True)
        """
}
