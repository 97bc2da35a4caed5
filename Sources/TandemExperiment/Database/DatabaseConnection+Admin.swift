import Glibc
import RESP

/// What `tandem status` shows about a running database.
public struct DatabaseStatus: Sendable, Hashable {
    /// The Redis version.
    public var redisVersion: String
    /// The server's process id.
    public var processID: Int
    /// Seconds since it started.
    public var uptimeSeconds: Int
    /// Keys in database 0.
    public var keyCount: Int
    /// Memory in use, as Redis words it (`1.02M`).
    public var usedMemory: String
    /// The loaded modules.
    public var modules: [LoadedModule]
    /// Whether TandemAI (module `ai`) is loaded.
    public var hasTandemAI: Bool { modules.contains { $0.name == ReadinessCheck.moduleName } }
}

extension DatabaseConnection {
    /// PING, `INFO`, `DBSIZE` and `MODULE LIST` in one value.
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/databaseUnreachable``.
    public func status() throws(ExperimentError) -> DatabaseStatus {
        let pong = try send("PING")
        guard pong == .simpleString("PONG") else {
            throw ExperimentError(.databaseUnreachable, "the database answered PING with \(pong)")
        }
        let server = try info("server")
        let memory = try info("memory")
        return DatabaseStatus(
            redisVersion: server["redis_version"] ?? "?", processID: Int(server["process_id"] ?? "") ?? 0,
            uptimeSeconds: Int(server["uptime_in_seconds"] ?? "") ?? 0,
            keyCount: Int(try send("DBSIZE").integer ?? 0), usedMemory: memory["used_memory_human"] ?? "?",
            modules: try modules())
    }

    /// Every key of this server, as bytes (a key need not be UTF-8: a cluster client's model
    /// copies are not), unordered; only those of Redis type `type` when given (`AI_TENSOR`).
    /// Uses `SCAN`, so a large database is not blocked.
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/databaseUnreachable``.
    public func keys(matching pattern: String = "*", type: String? = nil) throws(ExperimentError) -> [[UInt8]] {
        var keys: [[UInt8]] = [], cursor = "0"
        repeat {
            let reply = try send(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"] + (type.map { ["TYPE", $0] } ?? []))
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string else {
                throw ExperimentError(.databaseUnreachable, "unexpected SCAN reply: \(reply)")
            }
            cursor = next
            keys += parts[1].array?.compactMap(\.bytes) ?? []
        } while cursor != "0"
        return keys
    }

    /// Asks the database to shut down (`SHUTDOWN`: it saves first when persistence is on) and
    /// waits until the connection closes.
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/databaseUnreachable`` when the database refuses
    ///   (its error reply is in the message).
    public func shutdown() throws(ExperimentError) {
        let reply: RESPValue
        do {
            reply = try send("SHUTDOWN")
        } catch {
            return  // the connection closed: it is going down
        }
        throw ExperimentError(.databaseUnreachable, "the database refused to shut down: \(reply.string ?? "\(reply)")")
    }
}
