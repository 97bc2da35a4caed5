import RESP
import TandemRedis

/// A node of a Redis Cluster as `CLUSTER NODES` describes it.
public struct ClusterNodeEntry: Sendable, Hashable {
    /// The node id.
    public var id: String
    /// Its client address, `host:port`.
    public var address: String
    /// Whether it serves slots (a master) rather than following a master (a replica).
    public var isMaster: Bool
    /// For a replica, its master's id.
    public var masterID: String?
    /// Whether the cluster counts it as failed (`fail` or `fail?`).
    public var isFailing: Bool
    /// Its slot ranges as Redis writes them (`0-5460`); empty for a replica.
    public var slots: [String]
}

extension DatabaseConnection {
    /// The cluster's nodes, masters first in slot order, or `nil` when the database is not a
    /// cluster (`cluster_enabled:0`).
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/databaseUnreachable``.
    public func clusterNodes() throws(ExperimentError) -> [ClusterNodeEntry]? {
        guard try info("cluster")["cluster_enabled"] == "1" else { return nil }
        guard let text = try send("CLUSTER", "NODES").string else {
            throw ExperimentError(.databaseUnreachable, "CLUSTER NODES did not answer with text")
        }
        let nodes = text.split(whereSeparator: \.isNewline).compactMap(Self.clusterNode)
        return nodes.filter(\.isMaster).sorted { firstSlot($0) < firstSlot($1) } + nodes.filter { !$0.isMaster }
    }

    /// `CLUSTER INFO`'s `cluster_state`: `ok` while the cluster serves every slot.
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/databaseUnreachable``.
    public func clusterState() throws(ExperimentError) -> String {
        let text = try send("CLUSTER", "INFO").string ?? ""
        return ClusterFormation.infoFields(text)["cluster_state"] ?? "unknown"
    }

    /// One `CLUSTER NODES` line: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot>…`.
    private static func clusterNode(_ line: Substring) -> ClusterNodeEntry? {
        let fields = line.split(separator: " ").map(String.init)
        guard fields.count >= 8 else { return nil }
        let flags = fields[2].split(separator: ",")
        let address = fields[1].split(separator: "@").first.map(String.init) ?? fields[1]
        return ClusterNodeEntry(
            id: fields[0], address: address, isMaster: flags.contains("master"),
            masterID: fields[3] == "-" ? nil : fields[3], isFailing: flags.contains("fail") || flags.contains("fail?"),
            slots: Array(fields.dropFirst(8)).filter { !$0.hasPrefix("[") })
    }

    private func firstSlot(_ node: ClusterNodeEntry) -> Int {
        node.slots.first.flatMap { Int($0.split(separator: "-")[0]) } ?? Int.max
    }
}
