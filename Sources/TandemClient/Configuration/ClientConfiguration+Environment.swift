import Foundation

extension ClientConfiguration {
    /// Reads the configuration from SmartRedis's environment variables.
    ///
    /// | Variable | Type | Default | Meaning |
    /// |---|---|---|---|
    /// | `SSDB` | `host:port`, `tcp://host:port`, `unix://path`, comma-separated | required | the servers |
    /// | `SR_DB_TYPE` | text | `Clustered` | `Clustered` (any case) = cluster, anything else = standalone |
    /// | `SR_CONN_TIMEOUT` | seconds, 1…2147483 | 100 | connection retry budget |
    /// | `SR_CONN_INTERVAL` | milliseconds, > 0 | 1000 | sleep between connection attempts |
    /// | `SR_CMD_TIMEOUT` | seconds, 1…2147483 | 100 | command retry budget after I/O failures |
    /// | `SR_CMD_INTERVAL` | milliseconds, > 0 | 1000 | sleep between command attempts |
    /// | `SR_SOCKET_TIMEOUT` | milliseconds, > 0 | 250 | longest wait for reply bytes or a connect |
    /// | `SR_THREAD_COUNT` | count, ≥ 0 | 4 | worker threads (0 = one per core) |
    /// | `SSKEYOUT` | text | unset | prefix of written keys |
    /// | `SSKEYIN` | comma-separated text | unset | prefixes that may be read; the first is the data source |
    /// | `SR_MODEL_TIMEOUT` | milliseconds, > 0 | 60000000 | `TIMEOUT` of model runs (never suffixed) |
    /// | `TANDEM_DB_PASSWORD` | text | unset | the database's password, sent with `AUTH` (a Tandem addition) |
    /// | `TANDEM_WAIT_REPLICAS` | count, ≥ 0 | 0 | replicas of a cluster shard that must have every write before a call returns (a Tandem addition) |
    ///
    /// With a non-empty `suffix` every variable but `SR_MODEL_TIMEOUT` is read as
    /// `NAME_suffix` (SmartSim names a database `id` this way: `SSDB_id`). An empty value
    /// counts as unset. Unlike SmartRedis, which reads `SR_MODEL_TIMEOUT` at every model
    /// run, the value is read here, once.
    ///
    /// - Parameters:
    ///   - environment: the variables; the process environment by default.
    ///   - suffix: the database suffix; none by default.
    /// - Throws: ``ClientError/Code/invalidArgument`` naming the variable that is missing
    ///   or malformed.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                suffix: String = "") throws(ClientError) {
        let reader = EnvironmentReader(environment: environment, suffix: suffix)
        guard let ssdb = reader.string(ClientVariables.address) else {
            let name = reader.name(ClientVariables.address)
            throw .invalidArgument("The environment variable \(name) must be set to use the client (for example \(name)=127.0.0.1:6379).")
        }
        let addresses: [ServerAddress]
        do {
            addresses = try ServerAddress.list(parsing: ssdb)
        } catch {
            throw .invalidArgument(error.description)
        }
        let kind: DatabaseKind = (reader.string(ClientVariables.databaseType) ?? "Clustered").lowercased() == "clustered" ? .clustered : .standalone

        let connTimeout = try reader.integer("SR_CONN_TIMEOUT", default: 100, range: 1...2_147_483)
        let connInterval = try reader.integer("SR_CONN_INTERVAL", default: 1000, range: 1...Int(Int32.max))
        let cmdTimeout = try reader.integer("SR_CMD_TIMEOUT", default: 100, range: 1...2_147_483)
        let cmdInterval = try reader.integer("SR_CMD_INTERVAL", default: 1000, range: 1...Int(Int32.max))
        let socketTimeout = try reader.integer("SR_SOCKET_TIMEOUT", default: 250, range: 1...Int(Int32.max))
        var threads = try reader.integer("SR_THREAD_COUNT", default: 4, range: 0...Int(Int32.max))
        if threads == 0 { threads = max(1, ProcessInfo.processInfo.activeProcessorCount) }
        let modelTimeout = try EnvironmentReader(environment: environment, suffix: "")
            .integer("SR_MODEL_TIMEOUT", default: 60_000_000, range: 1...Int(Int32.max))

        let prefixes = KeyPrefixConfiguration(
            output: reader.string(ClientVariables.keyOut) ?? "",
            inputs: (reader.string(ClientVariables.keyIn) ?? "").split(separator: ",").map(String.init))

        self.init(addresses: addresses, kind: kind,
                  connectionRetry: RetryPolicy(timeoutMilliseconds: connTimeout * 1000, intervalMilliseconds: connInterval),
                  commandRetry: RetryPolicy(timeoutMilliseconds: cmdTimeout * 1000, intervalMilliseconds: cmdInterval),
                  socketTimeoutMilliseconds: socketTimeout,
                  modelTimeoutMilliseconds: modelTimeout,
                  threadCount: threads,
                  keyPrefixes: prefixes)
        self.password = reader.string(ClientVariables.password)
        self.replicaAcknowledgements = try reader.integer(ClientVariables.waitReplicas, default: 0, range: 0...Int(Int32.max))
    }
}

/// Looks up SmartRedis options with the suffix rule and parses them with SmartRedis's rules.
struct EnvironmentReader {
    var environment: [String: String]
    var suffix: String

    /// The variable actually read for option `option`.
    func name(_ option: String) -> String { ClientVariables.named(option, suffix: suffix) }

    /// The value, or `nil` when unset or empty.
    func string(_ option: String) -> String? {
        guard let value = environment[name(option)], !value.isEmpty else { return nil }
        return value
    }

    /// An integer option: unset or empty gives `default`; otherwise an optional `-` and
    /// decimal digits that fit a 32-bit signed integer and lie in `range`.
    func integer(_ option: String, default value: Int, range: ClosedRange<Int>) throws(ClientError) -> Int {
        guard let text = string(option) else { return value }
        let variable = name(option)
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalidArgument("The value of \(variable) must be a valid number, got \"\(text)\".")
        }
        guard let number = Int32(text) else {
            throw .invalidArgument("The value of \(variable) (\(text)) does not fit a 32-bit integer.")
        }
        guard range.contains(Int(number)) else {
            let bound = range.upperBound == Int(Int32.max) ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw .invalidArgument("\(variable) \(text) must be \(bound).")
        }
        return Int(number)
    }
}
