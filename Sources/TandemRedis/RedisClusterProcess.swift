import Glibc
import RESP

/// A local Redis Cluster that this process started and owns: N masters (N ≥ 3) on loopback
/// ports, each with R replicas, every node a ``RedisServerProcess`` with `cluster-enabled yes`,
/// its own `cluster-config-file` and the same module arguments.
///
/// The nodes are joined with `CLUSTER ADDSLOTSRANGE`, `CLUSTER MEET` and
/// `CLUSTER REPLICATE` (no `redis-cli` needed); slots are split as
/// `redis-cli --cluster create` splits them. ``start(shards:replicasPerShard:basePort:directory:module:nodeTimeoutMilliseconds:executable:extraArguments:readyWithinSeconds:)``
/// returns once the cluster is ready (see ``readinessProblem()``); ``stop()`` stops every node.
///
/// ```swift
/// let cluster = try RedisClusterProcess.start(shards: 3, directory: "/tmp/db",
///                                             module: ("/path/libTandemAI.so", []))
/// print(cluster.masterAddresses)   // [127.0.0.1:p0, 127.0.0.1:p1, 127.0.0.1:p2]
/// cluster.stop()
/// ```
public final class RedisClusterProcess: @unchecked Sendable {
    /// One node of the cluster as it was created.
    public struct Node: Sendable {
        /// The server process.
        public let server: RedisServerProcess
        /// The node's cluster id (`CLUSTER MYID`).
        public let id: String
        /// The port of its cluster bus.
        public let busPort: Int
        /// The slots it served when the cluster was created; `nil` for a replica.
        public let slots: ClosedRange<Int>?
        /// For a replica, the index (in ``RedisClusterProcess/nodes``) of its master.
        public let masterIndex: Int?

        /// Its client address.
        public var address: ServerAddress { .tcp(host: "127.0.0.1", port: server.port) }
    }

    /// Every node: the masters first (in slot order), then the replicas (master by master).
    public let nodes: [Node]
    /// The number of masters the cluster was created with.
    public let shardCount: Int
    /// The module every node loads, if any.
    public let modulePath: String?

    private init(nodes: [Node], shardCount: Int, modulePath: String?) {
        self.nodes = nodes
        self.shardCount = shardCount
        self.modulePath = modulePath
    }

    deinit { stop() }

    /// The masters as created (after a failover a replica may serve their slots instead).
    public var masters: [Node] { Array(nodes.prefix(shardCount)) }

    /// The masters' addresses: the value of `SSDB` for a client of this cluster.
    public var masterAddresses: [ServerAddress] { masters.map(\.address) }

    /// Checks a shard count before anything starts.
    ///
    /// - Throws: ``RedisServerError`` for 1 (a single server is not a cluster: start it
    ///   standalone) and 2 (refused as SmartSim refuses it), or fewer.
    public static func validate(shards: Int, replicasPerShard: Int) throws(RedisServerError) {
        switch shards {
        case ...0:
            throw RedisServerError("a cluster needs at least 3 shards (got \(shards))")
        case 1:
            throw RedisServerError("1 shard is not a cluster: start a standalone redis-server instead, or use 3 or more shards")
        case 2:
            throw RedisServerError("""
                a cluster of 2 shards is not supported (SmartSim refuses it too): Redis Cluster marks a shard failed \
                only when a majority of masters agree, which 2 masters cannot form once one is down. Use 1 (standalone) \
                or 3 or more shards.
                """)
        default:
            break
        }
        guard replicasPerShard >= 0 else { throw RedisServerError("the number of replicas per shard cannot be negative (got \(replicasPerShard))") }
    }

    /// Starts a cluster and waits until it is ready.
    ///
    /// - Parameters:
    ///   - shards: the number of masters, at least 3.
    ///   - replicasPerShard: replicas of every master (Redis's automatic failover promotes
    ///     one when its master fails).
    ///   - basePort: nodes take consecutive ports from here (masters first); free ports
    ///     when `nil`. The cluster bus of a node listens on its port + 10 000 then, else on
    ///     another free port.
    ///   - directory: an existing directory; every node runs in `node-<port>` inside it.
    ///   - module: a module every node loads, with the same arguments.
    ///   - nodeTimeoutMilliseconds: `cluster-node-timeout`: how long a node may be
    ///     unreachable before it counts as failed (Redis's default 15 s; tests use 1–2 s).
    ///   - executable: the server program; ``RedisServerProcess/defaultExecutable()`` when `nil`.
    ///   - extraArguments: more `--option value` words for every node.
    ///   - readyWithinSeconds: how long start-up and joining may take.
    /// - Throws: ``RedisServerError``; every node started is stopped again.
    public static func start(shards: Int, replicasPerShard: Int = 0, basePort: Int? = nil, directory: String,
                             module: (path: String, arguments: [String])? = nil,
                             nodeTimeoutMilliseconds: Int = 15_000, executable: String? = nil,
                             extraArguments: [String] = [], readyWithinSeconds: Int = 60) throws(RedisServerError) -> RedisClusterProcess {
        try validate(shards: shards, replicasPerShard: replicasPerShard)
        guard nodeTimeoutMilliseconds > 0 else { throw RedisServerError("cluster-node-timeout must be positive (got \(nodeTimeoutMilliseconds) ms)") }
        let total = shards * (1 + replicasPerShard)
        let ports = try choosePorts(count: total, basePort: basePort)
        let ranges = ClusterSlots.evenRanges(masters: shards)
        var started: [(server: RedisServerProcess, busPort: Int)] = []
        do throws(RedisServerError) {
            for (port, busPort) in ports {
                let folder = "\(directory)/node-\(port)"
                mkdir(folder, 0o755)
                let arguments = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes-\(port).conf",
                                 "--cluster-port", "\(busPort)", "--cluster-node-timeout", "\(nodeTimeoutMilliseconds)",
                                 "--cluster-require-full-coverage", "yes",
                                 // A replica may take over however long it was cut off from its master.
                                 "--cluster-replica-validity-factor", "0"] + extraArguments
                let server = try RedisServerProcess.start(executable: executable, port: port, directory: folder, module: module,
                                                          extraArguments: arguments, readyWithinSeconds: readyWithinSeconds)
                started.append((server, busPort))
            }
            let deadline = ContinuousClock.now + .seconds(readyWithinSeconds)
            let roles = ClusterFormation.masterIndices(count: started.count, shards: shards)
            let ids = try ClusterFormation.join(zip(started, roles).map {
                ClusterFormation.Member(host: "127.0.0.1", port: $0.server.port, busPort: $0.busPort, masterIndex: $1)
            }, deadline: deadline)
            let nodes = started.enumerated().map { index, node in
                Node(server: node.server, id: ids[index], busPort: node.busPort,
                     slots: index < shards ? ranges[index] : nil, masterIndex: roles[index])
            }
            let cluster = RedisClusterProcess(nodes: nodes, shardCount: shards, modulePath: module?.path)
            started = []
            try cluster.waitUntilReady(deadline: deadline)
            return cluster
        } catch {
            for node in started { node.server.stop() }
            throw error
        }
    }

    /// Stops every node (`SHUTDOWN NOSAVE`, then signals; see ``RedisServerProcess/stop()``).
    public func stop() {
        for node in nodes { node.server.stop() }
    }

    /// Why the cluster is not ready yet, or `nil` when it is (see
    /// ``ClusterFormation/readinessProblem(of:password:expectsModule:)``).
    public func readinessProblem() -> String? {
        let members = nodes.map {
            ClusterFormation.Member(host: "127.0.0.1", port: $0.server.port, busPort: $0.busPort, masterIndex: $0.masterIndex)
        }
        return ClusterFormation.readinessProblem(of: members, expectsModule: modulePath != nil)
    }

    private func waitUntilReady(deadline: ContinuousClock.Instant) throws(RedisServerError) {
        var problem = readinessProblem()
        while let current = problem {
            if ContinuousClock.now >= deadline {
                stop()
                throw RedisServerError("the cluster did not become ready: \(current)")
            }
            sleep(milliseconds: 20)
            problem = readinessProblem()
        }
    }

    /// Client and bus ports: consecutive from `basePort` (bus at +10 000), or free ones.
    private static func choosePorts(count: Int, basePort: Int?) throws(RedisServerError) -> [(port: Int, busPort: Int)] {
        if let basePort {
            guard basePort >= 1, basePort + count - 1 + 10_000 <= 65_535 else {
                throw RedisServerError("ports \(basePort)…\(basePort + count - 1) and their cluster bus ports (+10000) must lie from 1 to 65535")
            }
            for port in basePort..<(basePort + count) {
                for candidate in [port, port + 10_000] {
                    do throws(SocketError) { try Ports.checkBindable(host: "127.0.0.1", port: candidate) } catch {
                        throw RedisServerError("port \(candidate) is not free: \(error)")
                    }
                }
            }
            return (basePort..<(basePort + count)).map { ($0, $0 + 10_000) }
        }
        var taken = Set<Int>()
        var ports: [(port: Int, busPort: Int)] = []
        while ports.count < count {
            let port = try freePort(), busPort = try freePort()
            guard port != busPort, !taken.contains(port), !taken.contains(busPort) else { continue }
            taken.insert(port)
            taken.insert(busPort)
            ports.append((port, busPort))
        }
        return ports
    }

    private static func freePort() throws(RedisServerError) -> Int {
        do throws(SocketError) { return try Ports.free() } catch { throw RedisServerError("no free port: \(error)") }
    }
}
