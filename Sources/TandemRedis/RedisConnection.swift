import RESP

/// Why one exchange with the server failed below the level of error replies.
public enum ExchangeFailure: Error, CustomStringConvertible {
    /// The stream broke or timed out; a new connection may succeed.
    case socket(SocketError)
    /// The server sent bytes that are not RESP2; the connection cannot be trusted.
    case protocolViolation(RESPProtocolError)
    /// The server refused the password (its error reply).
    case authentication(String)

    public var description: String {
        switch self {
        case .socket(let error): error.description
        case .protocolViolation(let error): "the reply is not RESP2: \(error)"
        case .authentication(let reply): "the server refused the password: \(reply)"
        }
    }
}

/// One blocking RESP2 connection to one Redis server: the only socket code in Tandem.
///
/// Writes a batch of commands at once (a pipeline) and reads their replies in order. It opens
/// its socket lazily, authenticates with `AUTH` when it has a password, and drops the socket
/// after any failure, so the next exchange starts on a fresh stream.
///
/// ```swift
/// let connection = try RedisConnection.open(.tcp(host: "127.0.0.1", port: 6379))
/// let pong = try connection.send("PING")                      // .simpleString("PONG")
/// let replies = try connection.exchange([Command("SET", "k", "v"), Command("GET", "k")])
/// ```
public final class RedisConnection {
    /// The server this connection talks to.
    public let address: ServerAddress
    /// Longest wait for a connect or for the next reply bytes, in milliseconds (0: forever).
    public let timeoutMilliseconds: Int
    private let password: String?
    private var socket: StreamSocket?
    private var decoder: RESPDecoder
    private let maximumReplyLength: Int
    private var output: [UInt8] = []
    private var readTimeoutMilliseconds: Int

    /// Arguments at least this long are written straight from their storage, not copied.
    private static let directWriteThreshold = 1 << 16
    /// The smallest room offered to each read.
    private static let receiveSize = 1 << 16

    /// A connection that opens on first use.
    ///
    /// - Parameters:
    ///   - address: the server.
    ///   - timeoutMilliseconds: the longest wait for a connect and for each reply (0: forever).
    ///   - password: sent with `AUTH` right after connecting, when given.
    ///   - maximumReplyLength: the longest bulk string or array a reply may declare.
    public init(address: ServerAddress, timeoutMilliseconds: Int, password: String? = nil,
                maximumReplyLength: Int = 1 << 32) {
        self.address = address
        self.timeoutMilliseconds = timeoutMilliseconds
        self.password = password
        self.maximumReplyLength = maximumReplyLength
        self.readTimeoutMilliseconds = timeoutMilliseconds
        decoder = RESPDecoder(maximumLength: maximumReplyLength)
        output.reserveCapacity(1 << 16)
    }

    /// A connection opened at once.
    ///
    /// - Throws: ``ExchangeFailure`` when the server cannot be reached or refuses the password.
    public static func open(_ address: ServerAddress, timeoutMilliseconds: Int = 30_000,
                            password: String? = nil) throws(ExchangeFailure) -> RedisConnection {
        let connection = RedisConnection(address: address, timeoutMilliseconds: timeoutMilliseconds, password: password)
        try connection.open()
        return connection
    }

    /// A connection to `127.0.0.1:port`, opened at once.
    public static func open(port: Int, timeoutMilliseconds: Int = 30_000,
                            password: String? = nil) throws(ExchangeFailure) -> RedisConnection {
        try open(.tcp(host: "127.0.0.1", port: port), timeoutMilliseconds: timeoutMilliseconds, password: password)
    }

    /// Whether a socket is open.
    public var isOpen: Bool { socket != nil }

    /// Opens the socket (and authenticates) if it is not open.
    public func open() throws(ExchangeFailure) {
        guard socket == nil else { return }
        do throws(SocketError) {
            socket = try StreamSocket.connect(to: address, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            throw .socket(error)
        }
        readTimeoutMilliseconds = timeoutMilliseconds
        decoder = RESPDecoder(maximumLength: maximumReplyLength)
        if let password {
            let reply = try exchange([Command("AUTH", password)])[0]
            if case .error(let message) = reply {
                close()
                throw .authentication(message)
            }
        }
    }

    /// Drops the socket and anything buffered.
    public func close() {
        socket?.close()
        socket = nil
        decoder = RESPDecoder(maximumLength: maximumReplyLength)
    }

    /// Sends `commands` in one write and returns their replies in order (error replies
    /// included, as values). Opens the socket first if needed.
    ///
    /// - Parameter readTimeoutMilliseconds: the longest wait for reply bytes; the
    ///   connection's timeout when `nil`.
    /// - Throws: ``ExchangeFailure``; the socket is closed when it does.
    public func exchange(_ commands: [Command], readTimeoutMilliseconds timeout: Int? = nil) throws(ExchangeFailure) -> [RESPValue] {
        try open()
        return try onOpenSocket { socket in
            try adjustReadTimeout(socket, to: timeout ?? timeoutMilliseconds)
            try write(commands, to: socket)
            var replies: [RESPValue] = []
            replies.reserveCapacity(commands.count)
            while replies.count < commands.count {
                replies.append(try nextReply(from: socket))
            }
            return replies
        }
    }

    /// Sends one command whose arguments are text and returns its reply (an error reply is
    /// returned, not thrown).
    @discardableResult
    public func send(_ arguments: String...) throws(ExchangeFailure) -> RESPValue {
        try exchange([Command(arguments: arguments.map { Array($0.utf8) })])[0]
    }

    /// Sends one command whose arguments are bytes and returns its reply.
    @discardableResult
    public func send(_ arguments: [[UInt8]]) throws(ExchangeFailure) -> RESPValue {
        try exchange([Command(arguments: arguments)])[0]
    }

    /// Sends one command and returns its reply.
    @discardableResult
    public func send(_ command: Command) throws(ExchangeFailure) -> RESPValue {
        try exchange([command])[0]
    }

    /// Writes raw bytes without reading anything: a deliberately malformed request, or a
    /// command whose reply may never come (`SHUTDOWN`). Read replies with ``readReply()``.
    public func write(_ bytes: [UInt8]) throws(ExchangeFailure) {
        try open()
        try onOpenSocket { socket in try socket.write(bytes, more: false) }
    }

    /// Waits for the next reply to bytes sent with ``write(_:)``.
    public func readReply() throws(ExchangeFailure) -> RESPValue {
        try onOpenSocket { socket in try nextReply(from: socket) }
    }

    /// Runs `body` on the open socket; any failure closes the connection and comes back as
    /// an ``ExchangeFailure``.
    private func onOpenSocket<Result>(_ body: (StreamSocket) throws -> Result) throws(ExchangeFailure) -> Result {
        do {
            guard let socket else { throw SocketError("not connected") }
            return try body(socket)
        } catch let error as SocketError {
            close()
            throw .socket(error)
        } catch let error as RESPProtocolError {
            close()
            throw .protocolViolation(error)
        } catch {
            close()
            throw .socket(SocketError("\(error)"))
        }
    }

    private func adjustReadTimeout(_ socket: StreamSocket, to wanted: Int) throws(SocketError) {
        guard wanted != readTimeoutMilliseconds else { return }
        socket.setReadTimeout(milliseconds: wanted)
        readTimeoutMilliseconds = wanted
    }

    private func nextReply(from socket: StreamSocket) throws -> RESPValue {
        while true {
            if let reply = try decoder.next() { return reply }
            _ = try decoder.receive(atLeast: Self.receiveSize) { buffer throws(SocketError) in
                try socket.read(into: buffer)
            }
        }
    }

    /// Encodes the commands into as few writes as possible: small arguments are copied into
    /// one buffer, large ones go out from their own storage between buffer flushes.
    private func write(_ commands: [Command], to socket: StreamSocket) throws(SocketError) {
        output.removeAll(keepingCapacity: true)
        for command in commands {
            appendHeader(UInt8(ascii: "*"), command.arguments.count)
            for argument in command.arguments {
                appendHeader(UInt8(ascii: "$"), argument.count)
                if argument.count >= Self.directWriteThreshold {
                    try flush(to: socket, more: true)
                    try socket.write(argument, more: true)
                } else {
                    output.append(contentsOf: argument)
                }
                output.append(13)
                output.append(10)
            }
        }
        try flush(to: socket, more: false)
    }

    private func flush(to socket: StreamSocket, more: Bool) throws(SocketError) {
        guard !output.isEmpty else { return }
        try socket.write(output, more: more)
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
