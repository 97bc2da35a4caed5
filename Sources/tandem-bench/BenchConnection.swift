import ArgumentParser
import Foundation
import RESP

/// A blocking RESP connection: one command, one reply (the benchmark's own, so the
/// executable needs no client library).
final class BenchConnection {
    private let fd: Int32
    private var decoder = RESPDecoder()
    private var chunk = [UInt8](repeating: 0, count: 1 << 20)
    private var output: [UInt8] = []

    init(port: Int) throws {
        fd = try Self.connectedSocket(port: port)
    }

    /// A socket connected to 127.0.0.1:`port`, or an error with nothing left open (not in
    /// `init`: a throwing `init` of a fully set class runs `deinit`, which would close twice).
    private static func connectedSocket(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ValidationError("socket() failed") }
        var address = BenchConnection.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(fd)
            throw ValidationError("cannot connect to 127.0.0.1:\(port)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    deinit { close(fd) }

    /// Sends one command and waits for its reply.
    func call(_ arguments: [[UInt8]]) throws -> RESPValue {
        output.removeAll(keepingCapacity: true)
        RESPEncoder.appendCommand(arguments, to: &output)
        try write(output)
        while true {
            if let value = try decoder.next() { return value }
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard received > 0 else { throw ValidationError("connection closed by the server") }
            decoder.append(chunk[0..<received])
        }
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw ValidationError("send failed: errno \(errno)") }
            offset += sent
        }
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    /// A loopback port that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ValidationError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
