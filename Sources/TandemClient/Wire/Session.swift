import Glibc
import RESP
import TandemRedis

/// How a command may be retried and how long its reply may take.
struct ExecutionOptions {
    /// The command may run for long on the server (model store or run, `SAVE`): wait for
    /// the whole command budget instead of the socket timeout, and never re-send it after
    /// a timeout (SmartRedis re-sends it every 250 ms, running it again each time).
    var slow = false

    static let normal = ExecutionOptions()
    static let slowCommand = ExecutionOptions(slow: true)
}

/// A `RedisConnection` with SmartRedis's retry rules: connect with the connection policy, and
/// re-send a command or pipeline on a fresh connection after an I/O failure, under the
/// command policy, before giving up with a clear error.
final class Session {
    let connection: RedisConnection
    let connectionRetry: RetryPolicy
    let commandRetry: RetryPolicy

    init(address: ServerAddress, configuration: ClientConfiguration) {
        connection = RedisConnection(address: address, timeoutMilliseconds: configuration.socketTimeoutMilliseconds,
                                     password: configuration.password)
        connectionRetry = configuration.connectionRetry
        commandRetry = configuration.commandRetry
    }

    /// Connects and runs `handshake` (one command) until it succeeds or the connection
    /// policy is exhausted.
    ///
    /// - Returns: the handshake reply (error replies included).
    /// - Throws: ``ClientError/Code/connection`` after the last attempt.
    func connect(handshake: Command) throws(ClientError) -> RESPValue {
        let policy = connectionRetry
        var lastFailure = ""
        for attempt in 1...policy.attempts {
            do {
                return try connection.exchange([handshake])[0]
            } catch {
                switch error {
                case .protocolViolation(let error):
                    throw ClientError(.protocolViolation, "\(connection.address) does not speak RESP2 (\(error)); is SSDB pointing at a Redis server?")
                case .authentication(let reply):
                    throw Self.refused(reply, address: connection.address)
                case .socket(let error):
                    lastFailure = error.description
                }
            }
            if attempt == 1 && policy.attempts > 1 {
                // Say once that the client waits, and until when, rather than hang silently.
                let message = "TandemClient: cannot reach the database at \(connection.address) (\(lastFailure)); "
                    + "retrying every \(Self.seconds(policy.intervalMilliseconds)) for up to \(Self.seconds(policy.timeoutMilliseconds)) "
                    + "(SR_CONN_TIMEOUT, SR_CONN_INTERVAL)\n"
                let bytes = Array(message.utf8)
                _ = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
            }
            if attempt < policy.attempts { sleep(milliseconds: policy.intervalMilliseconds) }
        }
        throw ClientError(.connection, """
            Unable to connect to backend database at \(connection.address) after \(policy.attempts) attempts over \
            \(Self.seconds(policy.timeoutMilliseconds)): \(lastFailure). Check that the server is running and that SSDB \
            names it; SR_CONN_TIMEOUT and SR_CONN_INTERVAL set how long to keep trying.
            """)
    }

    /// Runs `commands` as one pipeline and returns every reply, error replies included.
    ///
    /// - Throws: ``ClientError/Code/timeout`` when every attempt failed with an I/O error
    ///   (or a slow command timed out), ``ClientError/Code/protocolViolation`` for
    ///   malformed replies.
    func execute(_ commands: [Command], options: ExecutionOptions = .normal) throws(ClientError) -> [RESPValue] {
        let policy = commandRetry
        // SmartRedis does not retry the pipelines of aggregation-list reads; Tandem retries
        // every command and pipeline alike.
        let attempts = policy.attempts
        let readTimeout = options.slow ? max(policy.timeoutMilliseconds, connection.timeoutMilliseconds) : nil
        var lastFailure = SocketError("")
        for attempt in 1...attempts {
            do {
                return try connection.exchange(commands, readTimeoutMilliseconds: readTimeout)
            } catch {
                switch error {
                case .protocolViolation(let error):
                    throw ClientError(.protocolViolation, "\(Self.describe(commands)): the reply from \(connection.address) is not RESP2 (\(error)).")
                case .authentication(let reply):
                    throw Self.refused(reply, address: connection.address)
                case .socket(let error):
                    lastFailure = error
                }
                if options.slow && lastFailure.isTimeout { break }
            }
            if attempt < attempts { sleep(milliseconds: policy.intervalMilliseconds) }
        }
        if options.slow && lastFailure.isTimeout {
            throw ClientError(.timeout, """
                \(Self.describe(commands)) got no reply from \(connection.address) within \(Self.seconds(policy.timeoutMilliseconds)) \
                (SR_CMD_TIMEOUT); it was not re-sent. Raise SR_CMD_TIMEOUT for longer model runs.
                """)
        }
        throw ClientError(.timeout, """
            Redis IO error when executing \(Self.describe(commands)): gave up after \(attempts) attempts over \
            \(Self.seconds(policy.timeoutMilliseconds)) (SR_CMD_TIMEOUT, SR_CMD_INTERVAL); last failure on \
            \(connection.address): \(lastFailure). Check that the database is running.
            """)
    }

    /// Sends `commands` once as a pipeline. An I/O failure is returned, for the caller's own
    /// retry policy (a cluster client refreshes its slot map between attempts).
    ///
    /// - Throws: ``ClientError/Code/protocolViolation`` for malformed replies,
    ///   ``ClientError/Code/connection`` when the server refuses the password.
    func attempt(_ commands: [Command], options: ExecutionOptions) throws(ClientError) -> Result<[RESPValue], SocketError> {
        let readTimeout = options.slow ? max(commandRetry.timeoutMilliseconds, connection.timeoutMilliseconds) : nil
        do {
            return .success(try connection.exchange(commands, readTimeoutMilliseconds: readTimeout))
        } catch {
            switch error {
            case .protocolViolation(let error):
                throw ClientError(.protocolViolation, "\(Self.describe(commands)): the reply from \(connection.address) is not RESP2 (\(error)).")
            case .authentication(let reply):
                throw Self.refused(reply, address: connection.address)
            case .socket(let error):
                return .failure(error)
            }
        }
    }

    /// The server refused the configured password.
    static func refused(_ reply: String, address: ServerAddress) -> ClientError {
        ClientError(.connection, """
            The database at \(address) refused the password (\(reply)). Check the password given to the client \
            (TANDEM_DB_PASSWORD, or ClientConfiguration.password).
            """, serverReply: reply)
    }

    static func describe(_ commands: [Command]) -> String {
        guard let first = commands.first else { return "an empty pipeline" }
        return commands.count == 1 ? first.name : "a pipeline of \(commands.count) commands (\(first.name) …)"
    }

    static func seconds(_ milliseconds: Int) -> String {
        milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(Double(milliseconds) / 1000) s"
    }
}
