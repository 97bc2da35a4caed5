import Foundation
import Glibc
import RESP
import TandemRedis

/// A real local Redis Cluster started for one test: N masters (3 by default) with R replicas
/// each, on free loopback ports, in a temporary directory, stopped by ``stop()`` or when the
/// value dies. Nodes are configured like ``RedisServer``'s (no deliberate sleeps). The
/// `cluster-node-timeout` is 5 s by default, long enough that a loaded machine does not
/// fail a node by mistake; failover tests pass 1–2 s so a failover takes seconds, not
/// Redis's fifteen.
///
/// ```swift
/// let cluster = try RedisCluster.start(loadModule: (Peers.module(), []))
/// let ssdb = cluster.ssdb        // "127.0.0.1:p0,127.0.0.1:p1,127.0.0.1:p2"
/// ```
public final class RedisCluster: @unchecked Sendable {
    /// The cluster processes.
    public let process: RedisClusterProcess

    private init(_ process: RedisClusterProcess) { self.process = process }

    /// Starts a cluster and waits until every node reports it ready.
    ///
    /// - Parameters:
    ///   - shards: the number of masters (at least 3).
    ///   - replicas: replicas per master.
    ///   - loadModule: a module every node loads, with its arguments.
    ///   - nodeTimeoutMilliseconds: `cluster-node-timeout` (failure detection time; 5 s).
    ///   - extraArguments: more `--option value` pairs for every node.
    /// - Throws: ``TestEnvironmentError`` when `redis-server` is missing or the cluster
    ///   does not form.
    public static func start(shards: Int = 3, replicas: Int = 0, loadModule: (path: String, arguments: [String])? = nil,
                             nodeTimeoutMilliseconds: Int = 5_000, extraArguments: [String] = []) throws -> RedisCluster {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "cluster")
        let testing = ["--enable-debug-command", "yes", "--enable-module-command", "yes",
                       "--repl-diskless-sync-delay", "0"]
        do {
            return RedisCluster(try RedisClusterProcess.start(
                shards: shards, replicasPerShard: replicas, directory: directory.path, module: loadModule,
                nodeTimeoutMilliseconds: nodeTimeoutMilliseconds, executable: try TestEnvironment.redisServerPath(),
                extraArguments: testing + extraArguments, readyWithinSeconds: 120))
        } catch let error as RedisServerError {
            throw TestEnvironmentError(error.description)
        }
    }

    /// Every node: masters first, then replicas.
    public var nodes: [RedisClusterProcess.Node] { process.nodes }
    /// The masters as created.
    public var masters: [RedisClusterProcess.Node] { process.masters }
    /// The masters' addresses.
    public var addresses: [ServerAddress] { process.masterAddresses }
    /// The masters' addresses as `SSDB` holds them (comma-separated).
    public var ssdb: String { addresses.map(\.description).joined(separator: ",") }

    /// A new connection to the node on `port` (replies may take up to a minute).
    public func connect(port: Int) throws -> RedisConnection {
        try RedisConnection.open(port: port, timeoutMilliseconds: 60_000)
    }

    /// The node serving `slot` now, asked from any running node (`CLUSTER SLOTS`).
    public func owner(ofSlot slot: Int) throws -> Int? {
        for node in nodes where node.server.isRunning {
            guard let reply = try? connect(port: node.server.port).send("CLUSTER", "SLOTS"), let ranges = reply.array else { continue }
            for range in ranges {
                guard let fields = range.array, fields.count >= 3, let low = fields[0].integer, let high = fields[1].integer,
                      (low...high).contains(Int64(slot)), let master = fields[2].array, master.count >= 2,
                      let port = master[1].integer else { continue }
                return Int(port)
            }
        }
        return nil
    }

    /// Whether every running node reports `cluster_state:ok`.
    public func runningNodesReportOK() -> Bool {
        nodes.filter { $0.server.isRunning }.allSatisfy { node in
            guard let reply = try? RedisConnection.open(port: node.server.port, timeoutMilliseconds: 5_000).send("CLUSTER", "INFO"),
                  let text = reply.string else { return false }
            return text.contains("cluster_state:ok")
        }
    }

    /// Why the cluster is not ready, or `nil` (see ``RedisClusterProcess/readinessProblem()``).
    public func readinessProblem() -> String? { process.readinessProblem() }

    /// Why some write may not have reached a replica yet, or `nil` when every running master
    /// has at least `replicasPerMaster` online replicas and each of them acknowledged the
    /// master's whole replication stream (its acknowledged offset reached the master's
    /// `master_repl_offset`, as `INFO replication` on the master reports them).
    ///
    /// This is what a test must wait for before it kills a master and counts on a replica
    /// holding every write. `WAIT` on a new connection does not tell: it counts acknowledgements
    /// of the writes made on its own connection, so with none it answers at once with the
    /// number of online replicas. And a replica's `master_link_status:up` does not tell either:
    /// after a diskless full sync the master streams writes to the replica only from the
    /// replica's first acknowledgement after the master saw the transfer end, which can come up
    /// to a second later (more on a loaded machine); a master killed before that takes the
    /// writes it buffered meanwhile with it.
    public func unacknowledgedWrites(replicasPerMaster: Int) -> String? {
        for node in nodes where node.server.isRunning {
            guard let text = (try? RedisConnection.open(port: node.server.port, timeoutMilliseconds: 5_000)
                .send("INFO", "replication"))?.string else {
                return "\(node.address) does not answer INFO replication"
            }
            let fields = ClusterFormation.infoFields(text)
            guard fields["role"] == "master" else { continue }
            guard let offset = fields["master_repl_offset"].flatMap({ Int($0) }) else {
                return "\(node.address) reports no master_repl_offset"
            }
            // slave<i>:ip=127.0.0.1,port=7001,state=online,offset=123,lag=0
            let replicas = fields.filter { $0.key.hasPrefix("slave") && Int($0.key.dropFirst(5)) != nil }.map { entry in
                Dictionary(entry.value.split(separator: ",").compactMap { pair -> (String, String)? in
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
                }, uniquingKeysWith: { _, last in last })
            }
            let caughtUp = replicas.filter { $0["state"] == "online" && ($0["offset"].flatMap { Int($0) } ?? -1) >= offset }
            guard caughtUp.count >= replicasPerMaster else {
                let states = replicas.map { "port \($0["port"] ?? "?") \($0["state"] ?? "?") at \($0["offset"] ?? "?")" }
                return "master \(node.address) is at offset \(offset); of its replicas \(caughtUp.count) acknowledged it, "
                    + "\(replicasPerMaster) expected (\(states.isEmpty ? "none connected" : states.joined(separator: ", ")))"
            }
        }
        return nil
    }

    /// Kills the node on `port` at once (`SIGKILL`): a crash, no shutdown.
    public func kill(port: Int) {
        guard let node = nodes.first(where: { $0.server.port == port }) else { return }
        Glibc.kill(node.server.processID, SIGKILL)
        node.server.waitForExit(seconds: 30)
    }

    /// Stops every node.
    public func stop() { process.stop() }
}

extension Peers {
    /// A local cluster of `shards` masters with `replicas` replicas each, every node with
    /// TandemAI loaded with `arguments`.
    public static func moduleCluster(shards: Int = 3, replicas: Int = 0, _ arguments: [String] = [],
                                     nodeTimeoutMilliseconds: Int = 5_000) throws -> RedisCluster {
        try RedisCluster.start(shards: shards, replicas: replicas, loadModule: (module(), arguments),
                               nodeTimeoutMilliseconds: nodeTimeoutMilliseconds)
    }
}
