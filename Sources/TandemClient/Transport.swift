import Glibc

/// An I/O failure below RESP. After one, the connection that saw it is closed.
struct TransportError: Error, Sendable, CustomStringConvertible {
    /// What failed, with the system's reason.
    var description: String
    /// Whether the failure was a timeout (no bytes within the socket timeout).
    var isTimeout = false

    /// A failed system call, described with `strerror`.
    static func system(_ what: String, _ code: Int32 = errno) -> TransportError {
        let timeout = code == EAGAIN || code == EWOULDBLOCK || code == ETIMEDOUT
        return TransportError(description: "\(what): \(String(cString: strerror(code)))", isTimeout: timeout)
    }
}

/// A byte stream to one server, the only thing ``Connection`` needs below RESP.
///
/// Sockets (TCP and Unix) implement it today; TLS or a cluster shard's stream slot in by
/// implementing the same four calls.
protocol Transport: AnyObject {
    /// Writes all of `bytes`. `more` says that more bytes follow at once, so the transport
    /// may hold them back to fill a packet.
    func write(_ bytes: UnsafeRawBufferPointer, more: Bool) throws(TransportError)
    /// Reads at least one byte into `buffer` and returns how many were read.
    /// - Throws: on timeout, on error, and when the peer closed the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int
    /// Sets the longest wait for incoming bytes.
    func setReadTimeout(milliseconds: Int)
    /// Closes the stream; later calls fail.
    func close()
}

/// A blocking stream socket (TCP with `TCP_NODELAY`, or Unix domain) with read and write
/// timeouts set on the socket itself, so a read costs one system call.
final class SocketTransport: Transport {
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { close() }

    /// Connects to `address`, giving up after `timeoutMilliseconds`, and sets read and
    /// write timeouts of the same length.
    static func connect(to address: ServerAddress, timeoutMilliseconds: Int) throws(TransportError) -> SocketTransport {
        let transport: SocketTransport
        switch address {
        case .tcp(let host, let port):
            transport = try connectTCP(host: host, port: port, timeoutMilliseconds: timeoutMilliseconds)
        case .unix(let path):
            transport = try connectUnix(path: path)
        }
        transport.setReadTimeout(milliseconds: timeoutMilliseconds)
        transport.setOption(SO_SNDTIMEO, milliseconds: timeoutMilliseconds)
        return transport
    }

    func write(_ bytes: UnsafeRawBufferPointer, more: Bool) throws(TransportError) {
        guard fd >= 0 else { throw TransportError(description: "write on a closed connection") }
        let flags = Int32(MSG_NOSIGNAL) | (more ? Int32(MSG_MORE) : 0)
        var offset = 0
        while offset < bytes.count {
            let sent = send(fd, bytes.baseAddress! + offset, bytes.count - offset, flags)
            if sent < 0 {
                if errno == EINTR { continue }
                throw .system("send failed")
            }
            offset += sent
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int {
        guard fd >= 0 else { throw TransportError(description: "read on a closed connection") }
        while true {
            let received = recv(fd, buffer.baseAddress, buffer.count, 0)
            if received > 0 { return received }
            if received == 0 { throw TransportError(description: "the server closed the connection") }
            if errno == EINTR { continue }
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK {
                throw TransportError(description: "no reply within the socket timeout (SR_SOCKET_TIMEOUT)", isTimeout: true)
            }
            throw .system("recv failed", code)
        }
    }

    func setReadTimeout(milliseconds: Int) {
        setOption(SO_RCVTIMEO, milliseconds: milliseconds)
    }

    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    private func setOption(_ option: Int32, milliseconds: Int) {
        var value = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    private static func connectTCP(host: String, port: Int, timeoutMilliseconds: Int) throws(TransportError) -> SocketTransport {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw TransportError(description: "cannot resolve host \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = TransportError(description: "no address for \(host)")
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { lastError = .system("socket failed"); continue }
            do {
                try connectWithTimeout(fd: fd, address: info.pointee.ai_addr, length: info.pointee.ai_addrlen,
                                       timeoutMilliseconds: timeoutMilliseconds, description: "\(host):\(port)")
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return SocketTransport(fd: fd)
            } catch {
                Glibc.close(fd)
                lastError = error
            }
        }
        throw lastError
    }

    private static func connectUnix(path: String) throws(TransportError) -> SocketTransport {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            throw TransportError(description: "the socket path \(path) is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .system("socket failed") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let error = TransportError.system("connect to unix://\(path) failed")
            Glibc.close(fd)
            throw error
        }
        return SocketTransport(fd: fd)
    }

    /// A non-blocking connect bounded by `poll`, then back to blocking mode.
    private static func connectWithTimeout(fd: Int32, address: UnsafeMutablePointer<sockaddr>?, length: socklen_t,
                                           timeoutMilliseconds: Int, description: String) throws(TransportError) {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        if Glibc.connect(fd, address, length) != 0 {
            guard errno == EINPROGRESS else { throw .system("connect to \(description) failed") }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            var ready: Int32
            repeat { ready = poll(&descriptor, 1, Int32(clamping: timeoutMilliseconds)) } while ready < 0 && errno == EINTR
            guard ready > 0 else {
                throw TransportError(description: "connect to \(description) timed out after \(timeoutMilliseconds) ms", isTimeout: true)
            }
            var code: Int32 = 0
            var codeLength = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &codeLength)
            guard code == 0 else { throw .system("connect to \(description) failed", code) }
        }
        _ = fcntl(fd, F_SETFL, flags)
    }
}
