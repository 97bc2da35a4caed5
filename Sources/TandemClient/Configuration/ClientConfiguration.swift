/// How often and for how long an action is retried: `attempts = timeout / interval + 1`,
/// with `interval` of sleep between attempts (none after the last).
///
/// This is SmartRedis's rule for both the connection (`SR_CONN_TIMEOUT`,
/// `SR_CONN_INTERVAL`) and every command (`SR_CMD_TIMEOUT`, `SR_CMD_INTERVAL`).
public struct RetryPolicy: Sendable, Hashable {
    /// Total budget in milliseconds.
    public var timeoutMilliseconds: Int
    /// Sleep between attempts in milliseconds.
    public var intervalMilliseconds: Int

    /// Creates a policy.
    /// - Precondition: both values are positive.
    public init(timeoutMilliseconds: Int, intervalMilliseconds: Int) {
        precondition(timeoutMilliseconds > 0 && intervalMilliseconds > 0, "retry timeout and interval must be positive")
        self.timeoutMilliseconds = timeoutMilliseconds
        self.intervalMilliseconds = intervalMilliseconds
    }

    /// The number of attempts: `timeout / interval + 1` (integer division).
    public var attempts: Int { timeoutMilliseconds / intervalMilliseconds + 1 }

    /// SmartRedis's default: 100 s, one attempt per second (101 attempts).
    public static let `default` = RetryPolicy(timeoutMilliseconds: 100_000, intervalMilliseconds: 1000)
}

/// Whether the database is a single server or a Redis Cluster (`SR_DB_TYPE`).
public enum DatabaseKind: String, Sendable, Hashable {
    /// One server (`SR_DB_TYPE` = anything but `Clustered`).
    case standalone
    /// A Redis Cluster (`SR_DB_TYPE=Clustered`, SmartRedis's default). TandemClient probes
    /// the server with `CLUSTER SLOTS`; a server with cluster support disabled is then used
    /// as a standalone server.
    case clustered
}

/// The ensemble key prefixes a client starts with (`SSKEYOUT`, `SSKEYIN`).
public struct KeyPrefixConfiguration: Sendable, Hashable {
    /// The prefix written keys get (`SSKEYOUT`), without the `.` separator; empty for none.
    public var output: String
    /// The prefixes that may be read from (`SSKEYIN`), in order; the first is the initial
    /// data source. Empty pieces are dropped.
    public var inputs: [String]

    /// Creates prefixes; `inputs` loses its empty entries.
    public init(output: String = "", inputs: [String] = []) {
        self.output = output
        self.inputs = inputs.filter { !$0.isEmpty }
    }
}

/// Everything a ``Client`` needs to know before it connects. Build one directly, or from
/// the SmartRedis environment variables with ``init(environment:suffix:)``.
///
/// ```swift
/// var configuration = ClientConfiguration(address: .tcp(host: "127.0.0.1", port: 6379))
/// configuration.commandRetry = RetryPolicy(timeoutMilliseconds: 5000, intervalMilliseconds: 100)
/// let client = try Client(configuration: configuration)
/// ```
public struct ClientConfiguration: Sendable, Hashable {
    /// The servers (`SSDB`); the client connects to one of them, chosen at random.
    public var addresses: [ServerAddress]
    /// Standalone or cluster (`SR_DB_TYPE`).
    public var kind: DatabaseKind
    /// Connection attempts (`SR_CONN_TIMEOUT` s, `SR_CONN_INTERVAL` ms; default 100 s / 1000 ms).
    public var connectionRetry: RetryPolicy
    /// Command attempts after I/O failures (`SR_CMD_TIMEOUT` s, `SR_CMD_INTERVAL` ms; default 100 s / 1000 ms).
    public var commandRetry: RetryPolicy
    /// Longest wait for the next bytes of a reply, and for a connect (`SR_SOCKET_TIMEOUT`,
    /// default 250 ms). Commands that legitimately take long (model store and run, `SAVE`)
    /// wait for the whole command budget instead and are not re-sent after a timeout.
    public var socketTimeoutMilliseconds: Int
    /// The `TIMEOUT` sent with `AI.MODELEXECUTE` (`SR_MODEL_TIMEOUT`, default 60 000 000 ms,
    /// the value SmartRedis sends).
    public var modelTimeoutMilliseconds: Int
    /// Worker threads for per-shard work (`SR_THREAD_COUNT`, default 4); unused by a
    /// standalone database.
    public var threadCount: Int
    /// Ensemble prefixes (`SSKEYOUT`, `SSKEYIN`).
    public var keyPrefixes: KeyPrefixConfiguration
    /// The database's password (`TANDEM_DB_PASSWORD`), sent with `AUTH` on every new
    /// connection; `nil` for a database without one. A Tandem addition: SmartRedis 0.6.1
    /// clients cannot authenticate.
    public var password: String?
    /// How many replicas of a shard must have every write before a call returns
    /// (`TANDEM_WAIT_REPLICAS`; 0, the default, waits for none). With 1, a write that a
    /// call reported done survives the sudden death of its master, whose replica takes over
    /// with it. Each pipeline to a cluster master then ends with `WAIT n timeout` (`timeout`
    /// half the socket timeout). When fewer replicas answer in time the call goes on, and
    /// that master is not asked again until the client reads the slot map again. A Tandem
    /// addition for Redis Cluster; a standalone database is never asked.
    public var replicaAcknowledgements = 0

    /// Creates a configuration with SmartRedis's defaults.
    /// - Precondition: `addresses` is not empty.
    public init(addresses: [ServerAddress],
                kind: DatabaseKind = .standalone,
                connectionRetry: RetryPolicy = .default,
                commandRetry: RetryPolicy = .default,
                socketTimeoutMilliseconds: Int = 250,
                modelTimeoutMilliseconds: Int = 60_000_000,
                threadCount: Int = 4,
                keyPrefixes: KeyPrefixConfiguration = KeyPrefixConfiguration()) {
        precondition(!addresses.isEmpty, "a client needs at least one server address")
        precondition(socketTimeoutMilliseconds > 0, "the socket timeout must be positive")
        self.addresses = addresses
        self.kind = kind
        self.connectionRetry = connectionRetry
        self.commandRetry = commandRetry
        self.socketTimeoutMilliseconds = socketTimeoutMilliseconds
        self.modelTimeoutMilliseconds = modelTimeoutMilliseconds
        self.threadCount = threadCount
        self.keyPrefixes = keyPrefixes
    }

    /// Creates a configuration for one server with SmartRedis's defaults.
    public init(address: ServerAddress) {
        self.init(addresses: [address])
    }
}
