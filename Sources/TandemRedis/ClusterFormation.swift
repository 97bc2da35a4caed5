import Glibc
import RESP

/// Joins running `cluster-enabled` Redis servers into one Redis Cluster, as
/// `redis-cli --cluster create` does, with plain cluster commands: the 16,384 slots split
/// evenly over the masters (`CLUSTER ADDSLOTSRANGE`), a distinct config epoch each, every
/// node introduced to the first (`CLUSTER MEET`), then each replica attached to its master
/// (`CLUSTER REPLICATE`). ``readinessProblem(of:password:expectsModule:)`` tells when the
/// cluster serves.
public enum ClusterFormation {
    /// A server to join, and its role.
    public struct Member: Sendable, Hashable {
        /// The address it binds (clients and the cluster bus).
        public var host: String
        /// Its client port.
        public var port: Int
        /// Its cluster-bus port (`cluster-port`; Redis's default is the client port + 10,000).
        public var busPort: Int
        /// For a replica, the index of its master among the members; `nil` for a master.
        public var masterIndex: Int?

        /// A member; see the properties.
        public init(host: String, port: Int, busPort: Int, masterIndex: Int? = nil) {
            self.host = host
            self.port = port
            self.busPort = busPort
            self.masterIndex = masterIndex
        }

        /// Its client address.
        public var address: ServerAddress { .tcp(host: host, port: port) }
    }

    /// The roles of `count` servers forming `shards` masters: the first `shards` are the
    /// masters in slot order, the rest replicas dealt to the masters in turn.
    public static func masterIndices(count: Int, shards: Int) -> [Int?] {
        (0..<count).map { $0 < shards ? nil : ($0 - shards) % shards }
    }

    /// Joins `members` (servers started with `cluster-enabled yes`, none in a cluster yet).
    ///
    /// - Parameters:
    ///   - password: the servers' `requirepass`, if any.
    ///   - deadline: how long replicas may take to learn of their masters.
    /// - Returns: the members' node ids, in order.
    /// - Throws: ``RedisServerError`` naming the command and the node that refused.
    @discardableResult
    public static func join(_ members: [Member], password: String? = nil,
                            deadline: ContinuousClock.Instant) throws(RedisServerError) -> [String] {
        let masters = members.indices.filter { members[$0].masterIndex == nil }
        guard !masters.isEmpty else { throw RedisServerError("a cluster needs at least one master") }
        for member in members {
            guard let master = member.masterIndex else { continue }
            guard members.indices.contains(master), members[master].masterIndex == nil else {
                throw RedisServerError("\(member.address) is to follow member \(master), which is not a master")
            }
        }
        var connections: [RedisConnection] = []
        defer { for connection in connections { connection.close() } }
        var ids: [String] = []
        for member in members {
            let connection = try answering(member) { () throws(ExchangeFailure) in
                try RedisConnection.open(member.address, timeoutMilliseconds: 10_000, password: password)
            }
            connections.append(connection)
            let id = try expect(connections.last!, ["CLUSTER", "MYID"]).string ?? ""
            guard !id.isEmpty else { throw RedisServerError("\(member.address) did not give its cluster id") }
            ids.append(id)
        }
        for (range, index) in zip(ClusterSlots.evenRanges(masters: masters.count), masters) {
            try expect(connections[index], ["CLUSTER", "ADDSLOTSRANGE", "\(range.lowerBound)", "\(range.upperBound)"])
        }
        for (index, connection) in connections.enumerated() {
            try expect(connection, ["CLUSTER", "SET-CONFIG-EPOCH", "\(index + 1)"])
        }
        for member in members.dropFirst() {
            try expect(connections[0], ["CLUSTER", "MEET", member.host, "\(member.port)", "\(member.busPort)"])
        }
        // A replica can follow its master only once it has heard of it through the bus.
        for (index, member) in members.enumerated() {
            guard let master = member.masterIndex else { continue }
            while true {
                let reply = try answering(member) { () throws(ExchangeFailure) in
                    try connections[index].send("CLUSTER", "REPLICATE", ids[master])
                }
                if reply == .simpleString("OK") { break }
                guard ContinuousClock.now < deadline else {
                    throw RedisServerError("\(member.address) could not become a replica of \(members[master].address): \(reply)")
                }
                sleep(milliseconds: 20)
            }
        }
        return ids
    }

    /// Why the cluster does not serve yet, or `nil` when it does: every member reports
    /// `cluster_state:ok` with all 16,384 slots assigned and knows every member, every
    /// replica's link to its master is up and every member sees every replica as one, and (when
    /// `expectsModule`) every member lists a module.
    public static func readinessProblem(of members: [Member], password: String? = nil, expectsModule: Bool) -> String? {
        for member in members {
            guard let connection = try? RedisConnection.open(member.address, timeoutMilliseconds: 5_000, password: password) else {
                return "\(member.address) does not answer"
            }
            defer { connection.close() }
            guard let text = (try? connection.send("CLUSTER", "INFO"))?.string else {
                return "\(member.address) does not answer CLUSTER INFO"
            }
            let fields = infoFields(text)
            guard fields["cluster_state"] == "ok" else {
                return "\(member.address) reports cluster_state:\(fields["cluster_state"] ?? "?")"
            }
            guard fields["cluster_slots_assigned"] == "\(ClusterSlots.count)" else {
                return "\(member.address) reports \(fields["cluster_slots_assigned"] ?? "?") of \(ClusterSlots.count) slots assigned"
            }
            guard fields["cluster_known_nodes"] == "\(members.count)" else {
                return "\(member.address) knows \(fields["cluster_known_nodes"] ?? "?") of \(members.count) nodes"
            }
            let replicas = members.filter { $0.masterIndex != nil }.count
            if replicas > 0 {
                // Until every node sees every replica as one, CLUSTER SLOTS may leave replicas out.
                guard let text = (try? connection.send("CLUSTER", "NODES"))?.string else {
                    return "\(member.address) does not answer CLUSTER NODES"
                }
                let seen = text.split(whereSeparator: \.isNewline).filter { line in
                    let words = line.split(separator: " ")
                    return words.count > 2 && words[2].contains("slave")
                }.count
                guard seen == replicas else { return "\(member.address) sees \(seen) of \(replicas) replicas" }
            }
            if member.masterIndex != nil {
                guard let text = (try? connection.send("INFO", "replication"))?.string,
                      infoFields(text)["master_link_status"] == "up" else {
                    return "replica \(member.address) is not linked to its master yet"
                }
            }
            if expectsModule {
                guard let text = (try? connection.send("INFO", "modules"))?.string, text.contains("module:name=") else {
                    return "\(member.address) has not loaded its module"
                }
            }
        }
        return nil
    }

    /// The `key:value` lines of an `INFO`-style reply.
    public static func infoFields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        return fields
    }

    /// Sends a command; an error reply fails with the command and the node.
    @discardableResult
    private static func expect(_ connection: RedisConnection, _ arguments: [String]) throws(RedisServerError) -> RESPValue {
        let reply: RESPValue
        do {
            reply = try connection.send(arguments.map { Array($0.utf8) })
        } catch {
            throw RedisServerError("\(connection.address) stopped answering during \(arguments.joined(separator: " ")): \(error)")
        }
        if case .error(let message) = reply {
            throw RedisServerError("\(arguments.joined(separator: " ")) on \(connection.address) failed: \(message)")
        }
        return reply
    }

    private static func answering<T>(_ member: Member, _ body: () throws(ExchangeFailure) -> T) throws(RedisServerError) -> T {
        do { return try body() } catch { throw RedisServerError("\(member.address) stopped answering: \(error)") }
    }
}
