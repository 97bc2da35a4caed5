import Glibc
import RESP

/// Forms a Redis Cluster from running `cluster-enabled` servers and tells when it is ready,
/// over ``RedisConnection`` alone (no `redis-cli`). ``RedisClusterProcess`` uses it for its
/// local nodes; a launcher that starts its servers elsewhere can use it the same way.
///
/// ```swift
/// let ids = try ClusterFormation.join(members, shards: 3)
/// while let problem = ClusterFormation.readinessProblem(of: addresses, shards: 3, module: true) { … }
/// ```
public enum ClusterFormation {
    /// One node to join: where clients and the cluster bus reach it.
    public struct Member: Sendable, Hashable {
        /// Its IPv4 address, as the other nodes reach it.
        public var host: String
        /// Its client port.
        public var port: Int
        /// Its cluster bus port (`cluster-port`; the port + 10 000 by default).
        public var busPort: Int

        /// A member.
        public init(host: String, port: Int, busPort: Int) {
            self.host = host
            self.port = port
            self.busPort = busPort
        }

        /// Its client address.
        public var address: ServerAddress { .tcp(host: host, port: port) }
    }

    /// Joins `members` into one cluster: the first `shards` are masters and get the slots
    /// as `redis-cli --cluster create` splits them, the others are replicas, member
    /// `shards + i` following master `i % shards`.
    ///
    /// Every master gets its slots (`CLUSTER ADDSLOTSRANGE`) and every node a distinct
    /// config epoch; the first member meets every other (`CLUSTER MEET host port busPort`);
    /// each replica follows its master (`CLUSTER REPLICATE`) once it knows it. Call
    /// ``readinessProblem(of:shards:module:)`` until it returns `nil` before use.
    ///
    /// - Returns: the members' node ids, in order.
    /// - Throws: ``RedisServerError`` when a member does not answer or refuses a step.
    public static func join(_ members: [Member], shards: Int, withinSeconds: Double = 60) throws(RedisServerError) -> [String] {
        guard shards >= 1, members.count >= shards else {
            throw RedisServerError("a cluster of \(shards) masters needs at least as many members (got \(members.count))")
        }
        let deadline = now() + withinSeconds
        var connections: [RedisConnection] = []
        defer { for connection in connections { connection.close() } }
        var ids: [String] = []
        for member in members {
            let connection = try command { () throws(ExchangeFailure) in try RedisConnection.open(member.address, timeoutMilliseconds: 10_000) }
            connections.append(connection)
            let id = try expect(connection, ["CLUSTER", "MYID"]).string ?? ""
            guard !id.isEmpty else { throw RedisServerError("\(member.address) did not give its cluster id") }
            ids.append(id)
        }
        for (index, range) in ClusterSlots.evenRanges(masters: shards).enumerated() {
            _ = try expect(connections[index], ["CLUSTER", "ADDSLOTSRANGE", "\(range.lowerBound)", "\(range.upperBound)"])
        }
        for (index, connection) in connections.enumerated() {
            _ = try expect(connection, ["CLUSTER", "SET-CONFIG-EPOCH", "\(index + 1)"])
        }
        for member in members.dropFirst() {
            _ = try expect(connections[0], ["CLUSTER", "MEET", member.host, "\(member.port)", "\(member.busPort)"])
        }
        // A replica can follow its master only once it knows it.
        for index in members.indices.dropFirst(shards) {
            let master = (index - shards) % shards
            while true {
                let reply = try command { () throws(ExchangeFailure) in try connections[index].send("CLUSTER", "REPLICATE", ids[master]) }
                if reply == .simpleString("OK") { break }
                if now() >= deadline {
                    throw RedisServerError("\(members[index].address) could not become a replica of \(members[master].address): \(reply)")
                }
                sleep(milliseconds: 20)
            }
        }
        return ids
    }

    /// Why the cluster of `nodes` (the first `shards` are masters, the rest replicas) is not
    /// ready yet, or `nil` when it is: every node reports `cluster_state:ok` with all 16,384
    /// slots assigned, knows every node and sees every replica as one; every replica is
    /// linked to its master; with `module`, every node lists a loaded module.
    public static func readinessProblem(of nodes: [ServerAddress], shards: Int, module: Bool) -> String? {
        for (index, node) in nodes.enumerated() {
            guard let connection = try? RedisConnection.open(node, timeoutMilliseconds: 5_000) else {
                return "\(node) does not answer"
            }
            defer { connection.close() }
            guard let info = try? connection.send("CLUSTER", "INFO"), let text = info.string else {
                return "\(node) does not answer CLUSTER INFO"
            }
            let fields = Self.fields(text)
            guard fields["cluster_state"] == "ok" else { return "\(node) reports cluster_state:\(fields["cluster_state"] ?? "?")" }
            guard fields["cluster_slots_assigned"] == "\(ClusterSlots.count)" else {
                return "\(node) reports \(fields["cluster_slots_assigned"] ?? "?") slots assigned"
            }
            guard fields["cluster_known_nodes"] == "\(nodes.count)" else {
                return "\(node) knows \(fields["cluster_known_nodes"] ?? "?") of \(nodes.count) nodes"
            }
            let replicaCount = nodes.count - shards
            if replicaCount > 0 {
                guard let reply = try? connection.send("CLUSTER", "NODES"), let text = reply.string else {
                    return "\(node) does not answer CLUSTER NODES"
                }
                let seen = text.split(separator: "\n").filter { line in
                    let words = line.split(separator: " ")
                    return words.count > 2 && words[2].contains("slave")
                }.count
                guard seen == replicaCount else { return "\(node) sees \(seen) of \(replicaCount) replicas" }
            }
            if index >= shards {
                guard let replication = try? connection.send("INFO", "replication"), let text = replication.string,
                      text.contains("master_link_status:up") else {
                    return "replica \(node) is not linked to its master yet"
                }
            }
            if module {
                guard let reply = try? connection.send("INFO", "modules"), let text = reply.string, text.contains("module:name=") else {
                    return "\(node) has not loaded its module"
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
