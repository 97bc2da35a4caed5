import RESP
import TandemRedis

/// A small blocking RESP connection for administering a database: readiness checks, status,
/// shutdown. Data goes through `TandemClient`; this only speaks a few admin commands.
///
/// Every read and write has a timeout, so a stuck server can never hang the driver.
public final class DatabaseConnection {
    private let connection: RedisConnection

    private init(connection: RedisConnection) { self.connection = connection }

    /// Connects to `host:port`.
    ///
    /// - Parameters:
    ///   - timeoutMilliseconds: the limit for connecting and for each reply.
    ///   - password: sent with `AUTH` after connecting, when the database has one.
    /// - Throws: ``ExperimentError/Code-swift.struct/databaseUnreachable``.
    public convenience init(host: String, port: Int, timeoutMilliseconds: Int = 2000,
                            password: String? = nil) throws(ExperimentError) {
        guard (1...65535).contains(port) else {
            throw ExperimentError(.databaseUnreachable, "\(port) is not a port number from 1 to 65535")
        }
        try self.init(address: .tcp(host: host, port: port), timeoutMilliseconds: timeoutMilliseconds, password: password)
    }

    /// Connects to an address written `host:port` (an `SSDB` entry, `tcp://` or `unix://` allowed).
    public convenience init(address: String, timeoutMilliseconds: Int = 2000,
                            password: String? = nil) throws(ExperimentError) {
        let parsed: ServerAddress
        do throws(AddressError) {
            parsed = try ServerAddress(parsing: address)
        } catch {
            throw ExperimentError(.databaseUnreachable, error.description)
        }
        try self.init(address: parsed, timeoutMilliseconds: timeoutMilliseconds, password: password)
    }

    /// Connects to `address`.
    public convenience init(address: ServerAddress, timeoutMilliseconds: Int = 2000,
                            password: String? = nil) throws(ExperimentError) {
        do throws(ExchangeFailure) {
            self.init(connection: try RedisConnection.open(address, timeoutMilliseconds: timeoutMilliseconds,
                                                           password: password))
        } catch {
            throw ExperimentError(.databaseUnreachable, "cannot connect to \(address): \(error)")
        }
    }

    /// Sends one command and waits for its reply (an error reply is returned, not thrown).
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/databaseUnreachable`` when the connection
    ///   fails, times out or the reply is not RESP.
    @discardableResult
    public func send(_ arguments: String...) throws(ExperimentError) -> RESPValue {
        try send(arguments)
    }

    /// Sends one command given as an array.
    @discardableResult
    public func send(_ arguments: [String]) throws(ExperimentError) -> RESPValue {
        try send(bytes: arguments.map { Array($0.utf8) })
    }

    /// Sends one command whose arguments are bytes (a key need not be UTF-8).
    @discardableResult
    public func send(bytes arguments: [[UInt8]]) throws(ExperimentError) -> RESPValue {
        do throws(ExchangeFailure) {
            return try connection.send(arguments)
        } catch {
            throw ExperimentError(.databaseUnreachable, "\(connection.address): \(error)")
        }
    }

    /// The loaded modules (`MODULE LIST`).
    public func modules() throws(ExperimentError) -> [LoadedModule] {
        guard case .array(let entries) = try send("MODULE", "LIST") else { return [] }
        return entries.compactMap { entry in
            guard let fields = entry.array else { return nil }
            var module = LoadedModule(name: "", version: 0, path: "", arguments: [])
            for i in stride(from: 0, to: fields.count - 1, by: 2) {
                let value = fields[i + 1]
                switch fields[i].string {
                case "name": module.name = value.string ?? ""
                case "ver": module.version = Int(value.integer ?? 0)
                case "path": module.path = value.string ?? ""
                case "args": module.arguments = value.array?.compactMap(\.string) ?? []
                default: break
                }
            }
            return module
        }
    }

    /// One `INFO` section as `field: value` pairs.
    public func info(_ section: String = "server") throws(ExperimentError) -> [String: String] {
        guard let text = try send("INFO", section).string else { return [:] }
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        return fields
    }
}

/// One entry of `MODULE LIST`.
public struct LoadedModule: Sendable, Hashable {
    /// The name the module registered (`ai` for TandemAI, as for RedisAI).
    public var name: String
    /// Its version number.
    public var version: Int
    /// The file it was loaded from.
    public var path: String
    /// Its load-time arguments.
    public var arguments: [String]
}
