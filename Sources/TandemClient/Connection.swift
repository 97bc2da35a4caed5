import RESP

/// Why one exchange with the server failed below the level of error replies.
enum ExchangeFailure: Error {
    /// The stream broke or timed out; a new connection may succeed.
    case transport(TransportError)
    /// The server sent bytes that are not RESP2; the connection cannot be trusted.
    case protocolViolation(RESPProtocolError)
    /// The server refused the password sent with `AUTH` (its error reply).
    case authenticationRefused(String)
}

/// The error reply to `AUTH` on a fresh connection.
private struct AuthenticationRefused: Error {
    let reply: String
}

/// One RESP2 connection to one server: writes a batch of commands at once (a pipeline) and
/// reads their replies in order. Opens its transport lazily and drops it after any failure,
/// so the next exchange starts on a fresh stream.
final class Connection {
    /// The server this connection talks to.
    let address: ServerAddress
    /// Longest wait for a connect or for the next reply bytes, in milliseconds.
    let socketTimeoutMilliseconds: Int
    /// Sent with `AUTH` on every fresh transport, before anything else.
    let password: String?
    private var transport: (any Transport)?
    private var decoder = RESPDecoder()
    private var output: [UInt8] = []
    private var readTimeoutMilliseconds: Int

    /// Arguments at least this long are written straight from their storage, not copied.
    private static let directWriteThreshold = 1 << 16
    /// The smallest room offered to each read.
    private static let receiveSize = 1 << 16

    init(address: ServerAddress, socketTimeoutMilliseconds: Int, password: String? = nil) {
        self.address = address
        self.socketTimeoutMilliseconds = socketTimeoutMilliseconds
        self.password = password
        self.readTimeoutMilliseconds = socketTimeoutMilliseconds
        output.reserveCapacity(1 << 16)
    }

    /// Whether a transport is open.
    var isOpen: Bool { transport != nil }

    /// Opens the transport if it is not open.
    func open() throws(TransportError) {
        guard transport == nil else { return }
        transport = try SocketTransport.connect(to: address, timeoutMilliseconds: socketTimeoutMilliseconds)
        readTimeoutMilliseconds = socketTimeoutMilliseconds
        decoder = RESPDecoder()
    }

    /// Drops the transport and anything buffered.
    func close() {
        transport?.close()
        transport = nil
        decoder = RESPDecoder()
    }

    /// Sends `commands` in one write and returns their replies in order (error replies
    /// included, as values). Opens the transport first if needed.
    ///
    /// - Parameter readTimeoutMilliseconds: the longest wait for reply bytes; the socket
    ///   timeout when `nil`.
    /// - Throws: ``ExchangeFailure``; the transport is closed when it does.
    func exchange(_ commands: [Command], readTimeoutMilliseconds timeout: Int? = nil) throws(ExchangeFailure) -> [RESPValue] {
        do {
            let fresh = transport == nil
            try open()
            guard let transport else { throw TransportError(description: "not connected") }
            if fresh, let password {
                try write([Command("AUTH", password)], to: transport)
                var reply = try decoder.next()
                while reply == nil {
                    _ = try decoder.receive(atLeast: Self.receiveSize) { buffer throws(TransportError) in
                        try transport.read(into: buffer)
                    }
                    reply = try decoder.next()
                }
                if case .error(let text) = reply! { throw AuthenticationRefused(reply: text) }
            }
            let wanted = timeout ?? socketTimeoutMilliseconds
            if wanted != readTimeoutMilliseconds {
                transport.setReadTimeout(milliseconds: wanted)
                readTimeoutMilliseconds = wanted
            }
            try write(commands, to: transport)
            var replies: [RESPValue] = []
            replies.reserveCapacity(commands.count)
            while replies.count < commands.count {
                if let reply = try decoder.next() {
                    replies.append(reply)
                    continue
                }
                _ = try decoder.receive(atLeast: Self.receiveSize) { buffer throws(TransportError) in
                    try transport.read(into: buffer)
                }
            }
            return replies
        } catch let error as TransportError {
            close()
            throw .transport(error)
        } catch let error as RESPProtocolError {
            close()
            throw .protocolViolation(error)
        } catch let error as AuthenticationRefused {
            close()
            throw .authenticationRefused(error.reply)
        } catch {
            close()
            throw .transport(TransportError(description: "\(error)"))
        }
    }

    /// Encodes the commands into as few writes as possible: small arguments are copied
    /// into one buffer, large ones go out from their own storage between buffer flushes.
    private func write(_ commands: [Command], to transport: any Transport) throws(TransportError) {
        output.removeAll(keepingCapacity: true)
        for command in commands {
            appendHeader(UInt8(ascii: "*"), command.arguments.count)
            for argument in command.arguments {
                appendHeader(UInt8(ascii: "$"), argument.count)
                if argument.count >= Self.directWriteThreshold {
                    try flush(to: transport, more: true)
                    try argument.withUnsafeBytes { bytes in
                        Result { () throws(TransportError) in try transport.write(bytes, more: true) }
                    }.get()
                } else {
                    output.append(contentsOf: argument)
                }
                output.append(13)
                output.append(10)
            }
        }
        try flush(to: transport, more: false)
    }

    private func flush(to transport: any Transport, more: Bool) throws(TransportError) {
        guard !output.isEmpty else { return }
        try output.withUnsafeBytes { bytes in
            Result { () throws(TransportError) in try transport.write(bytes, more: more) }
        }.get()
        output.removeAll(keepingCapacity: true)
    }

    private func appendHeader(_ marker: UInt8, _ count: Int) {
        output.append(marker)
        if count < 10 {
            output.append(UInt8(ascii: "0") + UInt8(count))
        } else {
            output.append(contentsOf: String(count).utf8)
        }
        output.append(13)
        output.append(10)
    }
}
