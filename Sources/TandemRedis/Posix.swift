import Glibc

/// The system calls TandemRedis makes, each wrapped once: a call interrupted by a signal
/// (`EINTR`) is repeated, any other failure becomes a ``SocketError`` with the system's reason.
enum Posix {
    /// Runs `body` until it is not interrupted; returns its non-negative result.
    ///
    /// - Parameter what: the call, for the error message (`"connect to 127.0.0.1:6379"`).
    /// - Throws: ``SocketError`` when `body` returns a negative value for another reason.
    @discardableResult
    static func call<Result: BinaryInteger>(_ what: @autoclosure () -> String,
                                            _ body: () -> Result) throws(SocketError) -> Result {
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = errno
            if code == EINTR { continue }
            throw SocketError.system(what(), code)
        }
    }

    /// A new stream socket of `family` that is not inherited by child processes.
    static func streamSocket(family: Int32, protocol proto: Int32 = 0) throws(SocketError) -> Int32 {
        try call("socket") { socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto) }
    }

    /// Sets an integer socket option.
    static func setOption(_ fd: Int32, level: Int32, _ option: Int32, _ value: Int32) {
        var value = value
        setsockopt(fd, level, option, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Sets a time-valued socket option (`SO_RCVTIMEO`, `SO_SNDTIMEO`); 0 waits forever.
    static func setTimeout(_ fd: Int32, _ option: Int32, milliseconds: Int) {
        var value = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Waits up to `milliseconds` for `events` on `fd`; returns whether they came.
    static func poll(_ fd: Int32, events: Int16, milliseconds: Int) throws(SocketError) -> Bool {
        var descriptor = pollfd(fd: fd, events: events, revents: 0)
        return try call("poll") { Glibc.poll(&descriptor, 1, Int32(clamping: milliseconds)) } > 0
    }

    /// An IPv4 socket address for `host` (dotted quad) and `port`, or `nil` when `host` is not one.
    static func ipv4Address(_ host: String, port: Int) -> sockaddr_in? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(truncatingIfNeeded: port).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
        return address
    }

    /// Calls `body` with `address` seen as a generic `sockaddr`.
    static func withSockaddr<Address, Result>(_ address: inout Address,
                                              _ body: (UnsafeMutablePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<Address>.size)) }
        }
    }
}

/// Sleeps the calling thread for `milliseconds`, resuming after signals.
public func sleep(milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
