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
/// Every call is synchronous and safe from any thread. A standalone database is reached
/// through one connection, and calls run on it one at a time. After an I/O failure a call
/// reconnects and re-sends under the command retry policy (`SR_CMD_TIMEOUT`,
/// `SR_CMD_INTERVAL`) before it throws.
///
/// ## Redis Cluster
///
/// With `SR_DB_TYPE=Clustered` (SmartRedis's default) and an `SSDB` naming cluster nodes,
/// the client reads the slot map with `CLUSTER SLOTS` and sends every command to the shard
/// that owns its key, with SmartRedis 0.6.1's conventions so that both clients share data:
/// a dataset's keys share the `{name}` hash tag and live on one shard; a model is stored
/// once per shard under `{P}.name`, where `P` is SmartRedis's node prefix of that shard;
/// ``runModel(_:inputs:outputs:)`` runs on temporary copies of the tensors on the shard of
/// the first input. Beyond SmartRedis, the client follows `MOVED` and `ASK`, and after a
/// failover or a lost shard connection it reads the slot map again and re-sends, within the
/// command retry budget; the commands of one call bound for different shards go as
/// parallel pipelines.
public final class Client: Sendable {
    /// The configuration the client was built with.
    public let configuration: ClientConfiguration
    /// The server the client connected to first (chosen at random among
    /// ``ClientConfiguration/addresses``); in a cluster, the node it read the slot map from
    /// (the next address that answers when the chosen one does not).
    public let address: ServerAddress
    let router: ClusterRouter
    let state: Mutex<State>

    struct State {
        var prefixes: KeyPrefixes
        /// Set by ``Client/setModelChunkSize(_:)``; then no longer asked from the server.
        var modelChunkSize: Int?
    }

    /// Connects to one of the configured servers and checks that it answers.
    ///
    /// A standalone configuration sends `PING`. A cluster configuration (SmartRedis's
    /// default when `SR_DB_TYPE` is unset) sends `CLUSTER SLOTS` and keeps the slot map; a
    /// server whose cluster support is disabled is then used as the standalone server it is.
    ///
    /// - Throws: ``ClientError/Code/connection`` when no attempt succeeds within the
    ///   connection policy, ``ClientError/Code/invalidArgument`` for a Unix socket in
    ///   cluster mode.
    public init(configuration: ClientConfiguration) throws(ClientError) {
        self.configuration = configuration
        router = try ClusterRouter.connect(configuration: configuration, seed: configuration.addresses.randomElement()!)
        address = router.seed
        state = Mutex(State(prefixes: KeyPrefixes(configuration.keyPrefixes)))
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
    /// In a cluster the command goes to the shard of its first argument after the name
    /// (the key of most commands), and to any shard when it has none. The command is
    /// re-sent after I/O failures like every other call.
    @discardableResult
    public func send(_ command: Command) throws(ClientError) -> RESPValue {
        try send(pipeline: [command])[0]
    }

    /// Sends commands as one pipeline (one write, then all replies) and returns the replies
    /// in order; error replies are returned, not thrown. In a cluster every command goes
    /// to the shard of its key, one pipeline per shard.
    @discardableResult
    public func send(pipeline commands: [Command]) throws(ClientError) -> [RESPValue] {
        try execute(commands, options: .normal)
    }

    /// Sends one command to the server at `address` and returns its reply (an error reply
    /// is returned, not thrown): a command for one shard of a cluster (`SCAN`, `DBSIZE` …).
    ///
    /// - Throws: ``ClientError/Code/invalidArgument`` when `address` is not the connected
    ///   server, or not one of the cluster's masters.
    @discardableResult
    public func send(_ command: Command, to address: ServerAddress) throws(ClientError) -> RESPValue {
        try execute([command], options: .normal, route: .address(address))[0]
    }

    /// Whether the database is a Redis Cluster.
    public var isCluster: Bool { router.isCluster }

    /// The cluster's slot map as last read: one entry per slot range, sorted by slot.
    /// Empty for a standalone database.
    public var shards: [ClusterShard] { router.slotMap?.shards ?? [] }

    /// The masters of the cluster, once each in slot order; the connected server for a
    /// standalone database.
    public var shardAddresses: [ServerAddress] { router.slotMap?.masters ?? [address] }

    /// The slot-map entry that serves `key` (used verbatim), or `nil` for a standalone
    /// database.
    public func shard(forKey key: String) -> ClusterShard? {
        router.slotMap?.shard(forKey: Array(key.utf8))
    }

    /// Reads the cluster's slot map again (the client also does so by itself after
    /// redirections and failures). Does nothing for a standalone database.
    public func refreshSlotMap() {
        if isCluster { router.refreshMap() }
    }

    // MARK: - Internals shared by the extensions

    func execute(_ commands: [Command], options: ExecutionOptions, route: Route = .eachKey) throws(ClientError) -> [RESPValue] {
        try router.execute(commands, options: options, route: route)
    }

    /// Runs one command; an error reply throws, classified, naming `key`.
    @discardableResult
    func call(_ command: Command, key: String? = nil, options: ExecutionOptions = .normal, route: Route = .eachKey) throws(ClientError) -> RESPValue {
        let reply = try execute([command], options: options, route: route)[0]
        if case .error(let text) = reply { throw ClientError.fromServer(text, command: command.name, key: key) }
        return reply
    }

    /// Runs a pipeline; the first error reply throws.
    @discardableResult
    func pipeline(_ commands: [Command], key: String? = nil, options: ExecutionOptions = .normal, route: Route = .eachKey) throws(ClientError) -> [RESPValue] {
        let replies = try execute(commands, options: options, route: route)
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
