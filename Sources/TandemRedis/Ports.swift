import Glibc

/// TCP ports: one that is free now, and whether a given one can be listened on.
public enum Ports {
    /// A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it).
    public static func free() throws(SocketError) -> Int {
        let fd = try Posix.streamSocket(family: AF_INET)
        defer { close(fd) }
        var address = Posix.ipv4Address("127.0.0.1", port: 0)!
        try Posix.call("bind to a free port") { Posix.withSockaddr(&address) { bind(fd, $0, $1) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try Posix.call("getsockname") {
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Checks that a server could listen on `host:port` by binding a socket as `redis-server`
    /// does (with `SO_REUSEADDR`) and closing it.
    ///
    /// - Throws: ``SocketError`` whose ``SocketError/code`` is the reason (`EADDRINUSE`,
    ///   `EACCES`, `EADDRNOTAVAIL`; `EINVAL` when `host` is not an IPv4 address or `port` is
    ///   not from 0 to 65535).
    public static func checkBindable(host: String, port: Int) throws(SocketError) {
        guard (0...65535).contains(port), var address = Posix.ipv4Address(host, port: port) else {
            throw SocketError("\(host):\(port) is not an IPv4 address and port", code: EINVAL)
        }
        let fd = try Posix.streamSocket(family: AF_INET)
        defer { close(fd) }
        Posix.setOption(fd, level: SOL_SOCKET, SO_REUSEADDR, 1)
        try Posix.call("cannot listen on \(host):\(port)") { Posix.withSockaddr(&address) { bind(fd, $0, $1) } }
    }

    /// The first of `count` consecutive TCP ports on 127.0.0.1 that were all free a moment
    /// ago, each with `port + busOffset` free too when `busOffset` is given (a Redis Cluster
    /// node's bus port is its port + 10,000). Searches 20000–39999 from a random start.
    public static func freeConsecutive(count: Int, busOffset: Int? = nil) throws(SocketError) -> Int {
        let candidates = 20_000..<(40_000 - count)
        var base = Int.random(in: candidates)
        for _ in 0..<200 {
            let ports = (base..<(base + count)).flatMap { port in [port] + (busOffset.map { [port + $0] } ?? []) }
            if ports.allSatisfy({ (try? checkBindable(host: "127.0.0.1", port: $0)) != nil }) { return base }
            base = Int.random(in: candidates)
        }
        throw SocketError("no \(count) consecutive free ports on 127.0.0.1", code: EADDRINUSE)
    }
}
