import Foundation
import RESP
import TandemRedis

/// Many concurrent clients driven by one thread, as `redis-benchmark` and `memtier_benchmark`
/// drive theirs: one TCP connection per client, each with a request in flight, and one
/// `poll` loop that reads whichever replies are ready and sends each client its next
/// command. The server sees the same concurrent connections as from separate processes,
/// while the load generator, which shares the machine's cores with the server here but runs
/// on other nodes in a real deployment, costs as little CPU as it can: no thread per client,
/// no wake-up per reply.
final class ClientLoop {
    /// One client's script: `exchanges` are sent in turn, each exchange's bytes in one write,
    /// and the next goes out once all `replies` of the current one have arrived.
    struct Script {
        var exchanges: [(bytes: [UInt8], replies: Int)]
        /// Checks the replies of one pass through `exchanges` (in order); a thrown error ends
        /// the round.
        var check: ([RESPValue]) throws -> Void
    }

    private let descriptors: [Int32]

    /// Connects `count` clients to 127.0.0.1:`port`.
    init(port: Int, count: Int) throws {
        var descriptors: [Int32] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else {
                let error = Self.failure("socket")
                descriptors.forEach { _ = close($0) }
                throw error
            }
            descriptors.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                let error = Self.failure("connect to port \(port)")
                descriptors.forEach { _ = close($0) }
                throw error
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        self.descriptors = descriptors
    }

    deinit { descriptors.forEach { _ = close($0) } }

    /// The number of clients.
    var count: Int { descriptors.count }

    /// Runs `passes` passes of each client's script, all clients at once, and returns the
    /// wall time in seconds.
    func run(_ scripts: [Script], passes: Int) throws -> Double {
        precondition(scripts.count == descriptors.count, "one script per client")
        var decoders = [RESPDecoder](repeating: RESPDecoder(), count: count)
        var replies = [[RESPValue]](repeating: [], count: count)
        // Per client, the replies of a pass due once exchange `i` is answered.
        let awaited = scripts.map { script in
            script.exchanges.indices.map { i in script.exchanges[...i].reduce(0) { $0 + $1.replies } }
        }
        var step = [Int](repeating: 0, count: count)
        var remaining = [Int](repeating: passes, count: count)
        var polled = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let start = DispatchTime.now().uptimeNanoseconds
        for c in 0..<count where passes > 0 { try send(scripts[c].exchanges[0].bytes, to: descriptors[c]) }
        var active = passes > 0 ? count : 0
        while active > 0 {
            guard poll(&polled, nfds_t(polled.count), -1) >= 0 || errno == EINTR else {
                throw Self.failure("poll")
            }
            for c in 0..<count where polled[c].revents != 0 {
                polled[c].revents = 0
                let fd = descriptors[c]
                var received = 0
                _ = decoders[c].receive(atLeast: 1 << 16) { buffer in
                    received = recv(fd, buffer.baseAddress, buffer.count, 0)
                    return max(received, 0)
                }
                guard received > 0 else {
                    if received < 0 && errno == EINTR { continue }
                    throw received == 0 ? SocketError("client \(c): the server closed the connection") : Self.failure("client \(c): recv")
                }
                while let value = try decoders[c].next() {
                    replies[c].append(value)
                    let script = scripts[c]
                    guard replies[c].count == awaited[c][step[c]] else { continue }
                    step[c] += 1
                    if step[c] == script.exchanges.count {
                        try script.check(replies[c])
                        replies[c].removeAll(keepingCapacity: true)
                        step[c] = 0
                        remaining[c] -= 1
                        if remaining[c] == 0 {
                            polled[c].events = 0
                            active -= 1
                            break
                        }
                    }
                    try send(script.exchanges[step[c]].bytes, to: fd)
                }
            }
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The failed system call `what`, with the system's reason.
    private static func failure(_ what: String) -> SocketError {
        SocketError("\(what): \(String(cString: strerror(errno)))", code: errno)
    }

    /// Writes all of `bytes` (the socket is blocking, and a request is far below its buffer).
    private func send(_ bytes: [UInt8], to fd: Int32) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                guard sent > 0 else { throw Self.failure("send") }
                offset += sent
            }
        }
    }
}
