import Glibc
import RESP

/// A blocking, single-connection RESP client for tests: sends one command, waits for its
/// reply. Tests of the module use it to speak to the server below any client library.
public final class RedisTestConnection {
    private let fd: Int32
    private var decoder = RESPDecoder()

    /// Connects to 127.0.0.1:`port`.
    public init(port: Int) throws {
        fd = try Self.connectedSocket(port: port)
    }

    /// A socket connected to 127.0.0.1:`port`, or an error with nothing left open (not in
    /// `init`: a throwing `init` of a fully set class runs `deinit`, which would close twice).
    private static func connectedSocket(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestEnvironmentError("socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            let error = errno
            close(fd)
            throw TestEnvironmentError("connect to 127.0.0.1:\(port) failed: errno \(error)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    deinit { close(fd) }

    /// Sends a command whose arguments are text and returns the reply.
    @discardableResult
    public func send(_ arguments: String...) throws -> RESPValue {
        try send(arguments.map { Array($0.utf8) })
    }

    /// Sends a command whose arguments are bytes and returns the reply.
    @discardableResult
    public func send(_ arguments: [[UInt8]]) throws -> RESPValue {
        try write(RESPEncoder.command(arguments))
        return try readReply()
    }

    /// Sends raw bytes, e.g. a pipeline or a deliberately malformed request.
    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw TestEnvironmentError("send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Waits for the next reply.
    public func readReply() throws -> RESPValue {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            if let value = try decoder.next() { return value }
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard received > 0 else { throw TestEnvironmentError("connection closed by the server") }
            decoder.append(chunk[0..<received])
        }
    }
}
