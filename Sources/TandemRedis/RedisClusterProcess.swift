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
            let deadline = now() + Double(readyWithinSeconds)
            let nodes = try join(started, shards: shards, ranges: ranges, deadline: deadline)
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

    /// Why the cluster is not ready yet, or `nil` when it is: every node reports
    /// `cluster_state:ok` with all 16,384 slots assigned, knows every node and sees every
    /// replica as one, every replica is linked to its master, and every node lists the
    /// module.
    public func readinessProblem() -> String? {
        for node in nodes {
            guard let connection = try? RedisConnection.open(port: node.server.port, timeoutMilliseconds: 5_000) else {
                return "\(node.address) does not answer"
            }
            guard let info = try? connection.send("CLUSTER", "INFO"), let text = info.string else {
                return "\(node.address) does not answer CLUSTER INFO"
            }
            let fields = Self.fields(text)
            guard fields["cluster_state"] == "ok" else { return "\(node.address) reports cluster_state:\(fields["cluster_state"] ?? "?")" }
            guard fields["cluster_slots_assigned"] == "\(ClusterSlots.count)" else {
                return "\(node.address) reports \(fields["cluster_slots_assigned"] ?? "?") slots assigned"
            }
            guard fields["cluster_known_nodes"] == "\(nodes.count)" else {
                return "\(node.address) knows \(fields["cluster_known_nodes"] ?? "?") of \(nodes.count) nodes"
            }
            let replicaCount = nodes.count - shardCount
            if replicaCount > 0 {
                guard let reply = try? connection.send("CLUSTER", "NODES"), let text = reply.string else {
                    return "\(node.address) does not answer CLUSTER NODES"
                }
                let seen = text.split(separator: "\n").filter { $0.split(separator: " ").count > 2 && $0.split(separator: " ")[2].contains("slave") }.count
                guard seen == replicaCount else { return "\(node.address) sees \(seen) of \(replicaCount) replicas" }
            }
            if node.masterIndex != nil {
                guard let replication = try? connection.send("INFO", "replication"), let text = replication.string,
                      text.contains("master_link_status:up") else {
                    return "replica \(node.address) is not linked to its master yet"
                }
            }
            if let modulePath {
                guard let reply = try? connection.send("INFO", "modules"), let text = reply.string, text.contains("module:name=") else {
                    return "\(node.address) has not loaded the module \(modulePath)"
                }
            }
        }
        return nil
    }

    /// The `key:value` lines of an `INFO`-style reply.
    static func fields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" }) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...]).trimmingSpaces
        }
        return fields
    }

    private func waitUntilReady(deadline: Double) throws(RedisServerError) {
        var problem = readinessProblem()
        while let current = problem {
            if Self.now() >= deadline {
                stop()
                throw RedisServerError("the cluster did not become ready: \(current)")
            }
            sleep(milliseconds: 20)
            problem = readinessProblem()
        }
    }

    /// Assigns slots, sets distinct config epochs, introduces every node to the first and
    /// attaches the replicas.
    private static func join(_ started: [(server: RedisServerProcess, busPort: Int)], shards: Int,
                             ranges: [ClosedRange<Int>], deadline: Double) throws(RedisServerError) -> [Node] {
        var connections: [RedisConnection] = []
        var ids: [String] = []
        for node in started {
            let connection = try command { () throws(ExchangeFailure) in try RedisConnection.open(port: node.server.port, timeoutMilliseconds: 10_000) }
            connections.append(connection)
            let id = try expect(connection, ["CLUSTER", "MYID"]).string ?? ""
            guard !id.isEmpty else { throw RedisServerError("\(node.server.port) did not give its cluster id") }
            ids.append(id)
        }
        for (index, range) in ranges.enumerated() {
            _ = try expect(connections[index], ["CLUSTER", "ADDSLOTSRANGE", "\(range.lowerBound)", "\(range.upperBound)"])
        }
        for (index, connection) in connections.enumerated() {
            _ = try expect(connection, ["CLUSTER", "SET-CONFIG-EPOCH", "\(index + 1)"])
        }
        for node in started.dropFirst() {
            _ = try expect(connections[0], ["CLUSTER", "MEET", "127.0.0.1", "\(node.server.port)", "\(node.busPort)"])
        }
        var nodes: [Node] = []
        for (index, node) in started.enumerated() {
            let masterIndex = index < shards ? nil : (index - shards) % shards
            nodes.append(Node(server: node.server, id: ids[index], busPort: node.busPort,
                              slots: index < shards ? ranges[index] : nil, masterIndex: masterIndex))
        }
        // A replica can follow its master only once it knows it.
        for (index, node) in nodes.enumerated() {
            guard let master = node.masterIndex else { continue }
            while true {
                let reply = try command { () throws(ExchangeFailure) in try connections[index].send("CLUSTER", "REPLICATE", ids[master]) }
                if reply == .simpleString("OK") { break }
                if now() >= deadline {
                    throw RedisServerError("\(node.address) could not become a replica of \(nodes[master].address): \(reply)")
                }
                sleep(milliseconds: 20)
            }
        }
        for connection in connections { connection.close() }
        return nodes
    }

    /// Sends a command and fails unless the reply is not an error.
    private static func expect(_ connection: RedisConnection, _ arguments: [String]) throws(RedisServerError) -> RESPValue {
        let reply = try command { () throws(ExchangeFailure) in try connection.send(arguments.map { Array($0.utf8) }) }
        if case .error(let message) = reply {
            throw RedisServerError("\(arguments.joined(separator: " ")) on \(connection.address) failed: \(message)")
        }
        return reply
    }

    private static func command<T>(_ body: () throws(ExchangeFailure) -> T) throws(RedisServerError) -> T {
        do { return try body() } catch { throw RedisServerError("a cluster node stopped answering: \(error)") }
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

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and carriage returns.
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\r" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\r" { slice.removeLast() }
        return String(slice)
    }
}
