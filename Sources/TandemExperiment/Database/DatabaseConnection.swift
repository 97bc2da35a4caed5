import Glibc
import RESP

/// A small blocking RESP connection for administering a database: readiness checks, status,
/// shutdown. Data goes through `TandemClient`; this only speaks a few admin commands.
///
/// Every read and write has a timeout, so a stuck server can never hang the driver.
public final class DatabaseConnection {
    private let fd: Int32
    private var decoder = RESPDecoder(maximumLength: 1 << 26)

    /// Connects to `host:port` (IPv4).
    ///
    /// - Parameter timeoutMilliseconds: the limit for connecting and for each reply.
    /// - Throws: ``ExperimentError/Code-swift.struct/databaseUnreachable``.
    public init(host: String, port: Int, timeoutMilliseconds: Int = 2000) throws(ExperimentError) {
        guard (1...65535).contains(port) else { throw ExperimentError(.databaseUnreachable, "port \(port) is not 1…65535") }
        fd = try Self.connectedSocket(host: host, port: port, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// A socket connected to `host:port` with timeouts set, or an error with nothing left open.
    /// (Opened here rather than in `init`: a class whose stored properties are all set runs
    /// `deinit` when its `init` throws, and a second `close` could hit another thread's socket.)
    private static func connectedSocket(host: String, port: Int, timeoutMilliseconds: Int) throws(ExperimentError) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ExperimentError(.databaseUnreachable, "socket() failed: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw ExperimentError(.databaseUnreachable, "\(host) is not an IPv4 address")
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            let error = errno
            close(fd)
            throw ExperimentError(.databaseUnreachable,
                "cannot connect to \(host):\(port): \(String(cString: strerror(error)))")
        }
        return fd
    }

    /// Connects to an address written `host:port` (an `SSDB` entry, `tcp://` allowed).
    public convenience init(address: String, timeoutMilliseconds: Int = 2000) throws(ExperimentError) {
        var text = Substring(address)
        if text.hasPrefix("tcp://") { text = text.dropFirst(6) }
        guard let colon = text.firstIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              colon != text.startIndex else {
            throw ExperimentError(.databaseUnreachable, "\(address) is not a host:port address")
        }
        try self.init(host: String(text[..<colon]), port: port, timeoutMilliseconds: timeoutMilliseconds)
    }

    deinit { close(fd) }

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
        let bytes = RESPEncoder.command(arguments.map { Array($0.utf8) })
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { throw ExperimentError(.databaseUnreachable, "send failed: \(String(cString: strerror(errno)))") }
            offset += sent
        }
        return try readReply()
    }

    private func readReply() throws(ExperimentError) -> RESPValue {
        var chunk = [UInt8](repeating: 0, count: 1 << 14)
        while true {
            do {
                if let value = try decoder.next() { return value }
            } catch {
                throw ExperimentError(.databaseUnreachable, "the database sent something that is not RESP: \(error)")
            }
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if received < 0 && errno == EINTR { continue }
            guard received > 0 else {
                let reason = received == 0 ? "connection closed by the database"
                    : (errno == EAGAIN ? "no reply in time" : String(cString: strerror(errno)))
                throw ExperimentError(.databaseUnreachable, reason)
            }
            decoder.append(chunk[0..<received])
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
