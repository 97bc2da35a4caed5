import Glibc

/// A connected, blocking stream socket to one server (TCP with `TCP_NODELAY`, or Unix
/// domain), with read and write timeouts set on the socket itself so a read costs one
/// system call. Closed once, by ``close()`` or when the value dies.
final class StreamSocket {
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { close() }

    /// Connects to `address`, giving up after `timeoutMilliseconds`, and sets read and write
    /// timeouts of the same length (0: wait forever).
    static func connect(to address: ServerAddress, timeoutMilliseconds: Int) throws(SocketError) -> StreamSocket {
        let fd: Int32
        switch address {
        case .tcp(let host, let port):
            fd = try connectTCP(host: host, port: port, timeoutMilliseconds: timeoutMilliseconds)
        case .unix(let path):
            fd = try connectUnix(path: path)
        }
        let socket = StreamSocket(fd: fd)
        socket.setReadTimeout(milliseconds: timeoutMilliseconds)
        Posix.setTimeout(fd, SO_SNDTIMEO, milliseconds: timeoutMilliseconds)
        return socket
    }

    /// Writes all of `bytes` from their own storage. `more` says that more bytes follow at
    /// once, so the kernel may hold them back to fill a packet.
    func write(_ bytes: [UInt8], more: Bool) throws(SocketError) {
        guard fd >= 0 else { throw SocketError("write on a closed connection") }
        let flags = Int32(MSG_NOSIGNAL) | (more ? Int32(MSG_MORE) : 0)
        let fd = fd
        // `withUnsafeBytes` rethrows untyped errors: carry the typed one out in a `Result`.
        try bytes.withUnsafeBytes { raw in
            Result { () throws(SocketError) in
                var offset = 0
                while offset < raw.count {
                    offset += try Posix.call("send failed") { send(fd, raw.baseAddress! + offset, raw.count - offset, flags) }
                }
            }
        }.get()
    }

    /// Reads at least one byte into `buffer` and returns how many were read.
    /// - Throws: on timeout, on error, and when the peer closed the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> Int {
        guard fd >= 0 else { throw SocketError("read on a closed connection") }
        do throws(SocketError) {
            let received = try Posix.call("recv failed") { recv(fd, buffer.baseAddress, buffer.count, 0) }
            guard received > 0 else { throw SocketError("the server closed the connection") }
            return received
        } catch where error.isTimeout {
            throw SocketError("no reply within the socket timeout", isTimeout: true)
        }
    }

    /// Sets the longest wait for incoming bytes (0: forever).
    func setReadTimeout(milliseconds: Int) {
        Posix.setTimeout(fd, SO_RCVTIMEO, milliseconds: milliseconds)
    }

    /// Closes the socket; later calls fail.
    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    private static func connectTCP(host: String, port: Int, timeoutMilliseconds: Int) throws(SocketError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw SocketError("cannot resolve host \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = SocketError("no address for \(host)")
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            do throws(SocketError) {
                let fd = try Posix.streamSocket(family: info.pointee.ai_family, protocol: info.pointee.ai_protocol)
                do throws(SocketError) {
                    try connect(fd: fd, address: info.pointee.ai_addr, length: info.pointee.ai_addrlen,
                                timeoutMilliseconds: timeoutMilliseconds, description: "\(host):\(port)")
                } catch {
                    Glibc.close(fd)
                    throw error
                }
                Posix.setOption(fd, level: Int32(IPPROTO_TCP), TCP_NODELAY, 1)
                return fd
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private static func connectUnix(path: String) throws(SocketError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            throw SocketError("the socket path \(path) is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = try Posix.streamSocket(family: AF_UNIX)
        do throws(SocketError) {
            try Posix.call("connect to unix://\(path) failed") {
                Posix.withSockaddr(&address) { Glibc.connect(fd, $0, $1) }
            }
        } catch {
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// A non-blocking connect bounded by `poll` (0: the system's own limit), then back to
    /// blocking mode.
    private static func connect(fd: Int32, address: UnsafeMutablePointer<sockaddr>?, length: socklen_t,
                                timeoutMilliseconds: Int, description: String) throws(SocketError) {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        if Glibc.connect(fd, address, length) != 0 {
            guard errno == EINPROGRESS || errno == EINTR else { throw .system("connect to \(description) failed", errno) }
            guard try Posix.poll(fd, events: Int16(POLLOUT), milliseconds: timeoutMilliseconds == 0 ? -1 : timeoutMilliseconds) else {
                throw SocketError("connect to \(description) timed out after \(timeoutMilliseconds) ms", isTimeout: true)
            }
            var code: Int32 = 0
            var codeLength = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &codeLength)
            guard code == 0 else { throw .system("connect to \(description) failed", code) }
        }
        _ = fcntl(fd, F_SETFL, flags)
    }
}
