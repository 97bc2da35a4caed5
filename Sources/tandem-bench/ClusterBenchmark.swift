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
        let peer = try SmartRedisPeer(python: python ?? environment["TANDEM_PYTHON"], ssdb: ssdb, clustered: true)
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
