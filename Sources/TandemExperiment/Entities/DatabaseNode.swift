import Foundation

/// One `redis-server` of a database: the only one of a standalone database, or one master or
/// replica of a sharded one (a Redis Cluster). The summary lists each as a `DBNode`.
public struct DatabaseNode: Sendable, Hashable {
    /// Its job name: `<database>_<index>` (`orchestrator_0`, `orchestrator_1`, …).
    public var name: String
    /// The address it binds.
    public var host: String
    /// Its client port.
    public var port: Int
    /// For a replica, the index of its master among the database's nodes; `nil` for a master.
    public var masterIndex: Int?

    /// The address clients use: `host:port`.
    public var address: String { "\(host):\(port)" }

    /// Its cluster-bus port: the client port + 10,000, Redis's default.
    public var busPort: Int { port + 10_000 }

    /// Whether it is a master (every node of a standalone database is).
    public var isMaster: Bool { masterIndex == nil }
}
