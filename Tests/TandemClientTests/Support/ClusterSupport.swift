import Foundation
import Testing
import RESP
import TandemClient
import TandemTesting

extension RedisCluster {
    /// A cluster-mode client of this cluster with short budgets, so failures show quickly;
    /// `commandRetry` gives room for failovers where a test needs it.
    func client(prefixes: KeyPrefixConfiguration = KeyPrefixConfiguration(),
                commandRetry: RetryPolicy = RetryPolicy(timeoutMilliseconds: 5000, intervalMilliseconds: 100),
                seed: ServerAddress? = nil) throws -> Client {
        var configuration = ClientConfiguration(
            addresses: seed.map { [$0] } ?? addresses, kind: .clustered,
            connectionRetry: RetryPolicy(timeoutMilliseconds: 2000, intervalMilliseconds: 100),
            commandRetry: commandRetry, socketTimeoutMilliseconds: 2000, keyPrefixes: prefixes)
        configuration.threadCount = 4
        return try Client(configuration: configuration)
    }

    /// The port of the master that serves `key` now.
    func ownerPort(of key: String) throws -> Int {
        try #require(try owner(ofSlot: HashSlot.of(key)), "no node serves the slot of \(key)")
    }

    /// Whether `key` exists on the node at `port` (asked there directly, after `ASKING`
    /// so that a node importing the key's slot answers too).
    func exists(_ key: [UInt8], onPort port: Int) throws -> Bool {
        try connect(port: port).exchange([Command("ASKING"), Command(arguments: [Array("EXISTS".utf8), key])])[1] == .integer(1)
    }

    /// The number of keys of the node at `port`.
    func keyCount(onPort port: Int) throws -> Int {
        Int(try connect(port: port).send("DBSIZE").integer ?? -1)
    }
}

extension Peers {
    /// Runs a Python peer script as a SmartRedis cluster client of `cluster` (`SSDB` = every
    /// master, `SR_DB_TYPE=Clustered`) and returns its standard output; a non-zero exit is a
    /// test failure carrying stderr.
    static func runPython(_ script: String, _ arguments: [String], cluster: RedisCluster,
                          environment extra: [String: String] = [:]) throws -> String {
        let python = try python()
        var environment = ProcessInfo.processInfo.environment
        for key in ["SSKEYIN", "SSKEYOUT", "SSDB", "SR_DB_TYPE"] { environment[key] = nil }
        environment["SSDB"] = cluster.ssdb
        environment["SR_DB_TYPE"] = "Clustered"
        environment["SR_LOG_LEVEL"] = "QUIET"
        for (key, value) in extra { environment[key] = value }
        let result = try TestEnvironment.run(python, [scripts.appendingPathComponent(script).path] + arguments, environment: environment)
        guard result.status == 0 else {
            throw TestEnvironmentError("\(script) \(arguments) exited with \(result.status):\n\(result.error)\n\(result.output)")
        }
        return result.output
    }

    /// Writes the doubling ONNX model (`y = x + x`, float32 [1, 4]) with the Python `onnx`
    /// package and returns its bytes and path.
    static func doublingModel() throws -> (bytes: [UInt8], path: String) {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "model")
        let path = directory.appendingPathComponent("double.onnx").path
        let result = try TestEnvironment.run(try python(), [scripts.appendingPathComponent("make_model.py").path, path])
        guard result.status == 0 else { throw TestEnvironmentError("make_model.py failed: \(result.error)") }
        return ([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), path)
    }
}

/// Keys that hash to each master's slots, found by trying names: `names[i]` lives on the
/// shard whose range is `client.shards[i]` (one entry per master after creation).
func keysOnEveryShard(_ client: Client, stem: String, perShard: Int = 1) -> [[String]] {
    var found = Array(repeating: [String](), count: client.shards.count)
    var index = 0
    while found.contains(where: { $0.count < perShard }) {
        let name = "\(stem)\(index)"
        let slot = HashSlot.of(name)
        if let shard = client.shards.firstIndex(where: { $0.slots.contains(slot) }), found[shard].count < perShard {
            found[shard].append(name)
        }
        index += 1
    }
    return found
}
