import RESP
import Synchronization
import TandemRedis

/// A SmartRedis-compatible client: stages tensors, datasets, aggregation lists and models
/// in a Redis database with the TandemAI (RedisAI-compatible) module, speaking the same
/// commands and keys as SmartRedis 0.6.1, so Python, C++ or Fortran SmartRedis programs
/// and Swift programs read each other's data.
///
/// ```swift
/// let client = try Client()                       // SSDB, SR_*, SSKEYIN/SSKEYOUT
/// try client.putTensor("x", [1, 2, 3, 4] as [Float], shape: [2, 2])
/// let x = try client.getTensor("x")
/// ```
///
/// Every call is synchronous and safe from any thread; calls share one connection and
/// run one at a time. After an I/O failure a call reconnects and re-sends under the
/// command retry policy (`SR_CMD_TIMEOUT`, `SR_CMD_INTERVAL`) before it throws.
public final class Client: Sendable {
    /// The configuration the client was built with.
    public let configuration: ClientConfiguration
    /// The server the client talks to (chosen at random among ``ClientConfiguration/addresses``).
    public let address: ServerAddress
    let state: Mutex<State>

    struct State {
        var session: Session
        var prefixes: KeyPrefixes
        /// Set by ``Client/setModelChunkSize(_:)``; then no longer asked from the server.
        var modelChunkSize: Int?
    }

    /// Connects to one of the configured servers and checks that it answers.
    ///
    /// A standalone configuration sends `PING`. A cluster configuration (SmartRedis's
    /// default when `SR_DB_TYPE` is unset) sends `CLUSTER SLOTS`; a server whose cluster
    /// support is disabled is then used as the standalone server it is.
    ///
    /// - Throws: ``ClientError/Code/connection`` when no attempt succeeds within the
    ///   connection policy, ``ClientError/Code/invalidArgument`` for a Redis Cluster (not
    ///   supported yet).
    public init(configuration: ClientConfiguration) throws(ClientError) {
        self.configuration = configuration
        let address = configuration.addresses.randomElement()!
        self.address = address
        let session = Session(address: address, configuration: configuration)
        switch configuration.kind {
        case .standalone:
            let reply = try session.connect(handshake: Command("PING"))
            if case .error(let text) = reply, text.hasPrefix("NOAUTH") { throw Self.passwordNeeded(at: address, reply: text) }
            guard reply == .simpleString("PONG") else {
                throw ClientError(.protocolViolation, "\(address) answered PING with \(reply.summary); is it a Redis server?")
            }
        case .clustered:
            let reply = try session.connect(handshake: Command("CLUSTER", "SLOTS"))
            if case .error(let text) = reply, text.contains("cluster support disabled") {
                break
            }
            if case .error(let text) = reply, text.hasPrefix("NOAUTH") { throw Self.passwordNeeded(at: address, reply: text) }
            if case .error(let text) = reply {
                throw ClientError.fromServer(text, command: "CLUSTER SLOTS")
            }
            throw ClientError(.invalidArgument, """
                \(address) is part of a Redis Cluster, which TandemClient does not support yet. \
                Use a standalone database and set SR_DB_TYPE=Standalone.
                """)
        }
        state = Mutex(State(session: session, prefixes: KeyPrefixes(configuration.keyPrefixes)))
    }

    /// The database asks for a password the configuration does not have.
    static func passwordNeeded(at address: ServerAddress, reply: String) -> ClientError {
        ClientError(.connection, """
            The database at \(address) requires a password (\(reply)). Give it to the client: set \
            TANDEM_DB_PASSWORD, or ClientConfiguration.password.
            """, serverReply: reply)
    }

    /// Builds the configuration from the environment (see
    /// ``ClientConfiguration/init(environment:suffix:)``) and connects.
    ///
    /// - Parameter suffix: the database suffix (`SSDB_suffix`, …); none by default.
    public convenience init(environmentSuffix suffix: String = "") throws(ClientError) {
        try self.init(configuration: ClientConfiguration(suffix: suffix))
    }

    /// Connects to one server with SmartRedis's default timeouts and no key prefixes.
    public convenience init(address: ServerAddress) throws(ClientError) {
        try self.init(configuration: ClientConfiguration(address: address))
    }

    // MARK: - Raw commands

    /// Sends one command and returns its reply; an error reply is returned, not thrown.
    ///
    /// The command is re-sent after I/O failures like every other call.
    @discardableResult
    public func send(_ command: Command) throws(ClientError) -> RESPValue {
        try send(pipeline: [command])[0]
    }

    /// Sends commands as one pipeline (one write, then all replies) and returns the replies
    /// in order; error replies are returned, not thrown.
    @discardableResult
    public func send(pipeline commands: [Command]) throws(ClientError) -> [RESPValue] {
        try execute(commands, options: .normal)
    }

    // MARK: - Internals shared by the extensions

    func execute(_ commands: [Command], options: ExecutionOptions) throws(ClientError) -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        return try state.withLock { state throws(ClientError) -> [RESPValue] in
            try state.session.execute(commands, options: options)
        }
    }

    /// Runs one command; an error reply throws, classified, naming `key`.
    @discardableResult
    func call(_ command: Command, key: String? = nil, options: ExecutionOptions = .normal) throws(ClientError) -> RESPValue {
        let reply = try execute([command], options: options)[0]
        if case .error(let text) = reply { throw ClientError.fromServer(text, command: command.name, key: key) }
        return reply
    }

    /// Runs a pipeline; the first error reply throws.
    @discardableResult
    func pipeline(_ commands: [Command], key: String? = nil, options: ExecutionOptions = .normal) throws(ClientError) -> [RESPValue] {
        let replies = try execute(commands, options: options)
        for (command, reply) in zip(commands, replies) {
            if case .error(let text) = reply { throw ClientError.fromServer(text, command: command.name, key: key) }
        }
        return replies
    }

    /// The current prefixing state.
    var prefixes: KeyPrefixes { state.withLock { $0.prefixes } }

    /// Runs `check` up to `tries` times, sleeping `intervalMilliseconds` after each miss.
    func poll(intervalMilliseconds: Int, tries: Int, _ check: () throws(ClientError) -> Bool) throws(ClientError) -> Bool {
        guard intervalMilliseconds >= 0, tries >= 0 else {
            throw .invalidArgument("poll needs a non-negative interval and number of tries (got \(intervalMilliseconds) ms, \(tries) tries).")
        }
        for _ in 0..<tries {
            if try check() { return true }
            sleep(milliseconds: intervalMilliseconds)
        }
        return false
    }

    /// The reply as an integer, or a protocol error naming the command.
    func integer(_ reply: RESPValue, _ command: String) throws(ClientError) -> Int64 {
        guard let value = reply.integer else { throw .unexpectedReply(reply, command: command) }
        return value
    }

    /// Checks for a simple `OK`.
    func expectOK(_ reply: RESPValue, _ command: String) throws(ClientError) {
        guard reply == .simpleString("OK") else { throw .unexpectedReply(reply, command: command) }
    }
}
