import Foundation
import TandemRedis

/// A database for an experiment: `redis-server` with the TandemAI module loaded, as
/// SmartSim's `Orchestrator` is a Redis deployment with RedisAI. One server, or a Redis
/// Cluster of ``shards`` masters (each with ``replicasPerShard`` replicas) that splits the
/// keys between them.
///
/// Create it with ``Experiment/createDatabase(port:interface:threadsPerQueue:identifier:shards:)``;
/// starting it writes a configuration file per node into its directory, launches each
/// `redis-server` (on consecutive ports from ``port``) and waits until the database is ready:
/// every node answers PING and lists the module, and a cluster says `cluster_state:ok` on
/// every node with all slots assigned. Entities started while it runs get the masters'
/// addresses as `SSDB` and `SR_DB_TYPE` (`Clustered` for a cluster, else `Standalone`).
///
/// ```swift
/// var database = try experiment.createDatabase(port: 6780, interface: "lo")
/// database.persistence = .snapshots(everySeconds: 60, changes: 1)
/// try experiment.start(database)
/// ```
public struct Orchestrator: Entity, Hashable {
    /// The database identifier; `orchestrator` is the default one, whose address goes into
    /// `SSDB` (any other identifier `id` sets `SSDB_<id>`).
    public var name: String
    /// The TCP port of the first node; the others take the next ports, in ``nodes`` order.
    public var port: Int
    /// The masters: 1 for one server, or 3 and more for a Redis Cluster (2 is refused, as
    /// SmartSim refuses it: a cluster of two masters cannot elect a new master when one fails).
    public var shards = 1
    /// Replicas of every master of a cluster: when a master fails, Redis promotes one of its
    /// replicas and the clients follow it. None by default.
    public var replicasPerShard = 0
    /// How long a cluster node may be unreachable before the others count it as failed
    /// (`cluster-node-timeout`; Redis's default is 15 s).
    public var clusterNodeTimeout: Duration = .seconds(15)
    /// The interface asked for (`lo`, `eth0`, or an IPv4 address).
    public var interface: String
    /// The IPv4 address `interface` resolved to; the server binds only to it. Empty when the
    /// experiment's launcher runs steps on other hosts and this machine has no such interface:
    /// each node then reports its address when it starts (see ``learnedHosts``).
    public var host: String
    /// The database's directory: configuration, log (`.out`/`.err`) and any saved data.
    public var directory: URL
    /// TandemAI worker threads per device queue (`THREADS_PER_QUEUE`).
    public var threadsPerQueue: Int
    /// More TandemAI load-time arguments, as `KEY VALUE` words (e.g. `["MODEL_CHUNK_SIZE", "1048576"]`).
    public var moduleArguments: [String] = []
    /// Whether and how the data is saved to disk; off by default.
    public var persistence: Persistence = .none
    /// The `redis-server` to run: a path, or `nil` to look in `REDIS_SERVER`, then `PATH`.
    public var redisServer: String?
    /// The module file: a path, or `nil` to use `TANDEM_MODULE_PATH`.
    public var modulePath: String?
    /// How long to wait for the database to become ready.
    public var readinessTimeout: Duration = .seconds(15)
    /// Whether the database keeps running after the driver exits (an admin's `tandem start
    /// --detach`): it then runs in its own session and is not stopped on exit or interrupt.
    /// Off by default: an experiment leaves nothing behind.
    public var outlivesDriver = false
    /// The password clients must give (`requirepass`); `nil` for none. Models the experiment
    /// starts receive it as `TANDEM_DB_PASSWORD` (``passwordVariable``). Read it from a file or
    /// a secret store, never from a command line, which every user of the machine can see.
    public var password: String?
    /// Whether to serve a database without a password on an interface other than loopback,
    /// where anyone who reaches the network could read, change and run what it holds. Off by
    /// default: starting such a database is refused unless this says it is meant.
    public var allowsUnauthenticatedAccess = false

    /// Creates a declaration; see ``Experiment/createDatabase(port:interface:threadsPerQueue:)``.
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/unknownInterface`` when `interface` has no IPv4 address.
    public init(name: String = "orchestrator", port: Int = 6780, interface: String = "lo",
                threadsPerQueue: Int = 1, directory: URL) throws(ExperimentError) {
        try self.init(name: name, port: port, interface: interface, threadsPerQueue: threadsPerQueue, directory: directory,
                      interfaceMayBeElsewhere: false)
    }

    /// A declaration whose `interface` may exist only on the hosts the nodes run on
    /// (`interfaceMayBeElsewhere`), as with a launcher that runs steps on other hosts.
    init(name: String, port: Int, interface: String, threadsPerQueue: Int, directory: URL,
         interfaceMayBeElsewhere: Bool) throws(ExperimentError) {
        guard (1...65535).contains(port) else {
            throw ExperimentError(.invalidDeclaration, "database port must be 1…65535, got \(port)")
        }
        guard threadsPerQueue >= 1 else {
            throw ExperimentError(.invalidDeclaration, "threadsPerQueue must be at least 1, got \(threadsPerQueue)")
        }
        self.name = name
        self.port = port
        self.interface = interface
        do throws(ExperimentError) {
            self.host = try NetworkInterface.ipv4Address(of: interface)
        } catch where interfaceMayBeElsewhere && error.code == .unknownInterface {
            self.host = ""
        }
        self.threadsPerQueue = threadsPerQueue
        self.directory = directory
    }

    public var kind: EntityKind { .orchestrator(self) }

    /// The address of the first node: `host:port`.
    public var address: String { nodes[0].address }

    /// The masters' addresses, comma-separated: what clients get as `SSDB`.
    public var clientAddresses: String { nodes.filter(\.isMaster).map(\.address).joined(separator: ",") }

    /// Whether the database is a Redis Cluster.
    public var isCluster: Bool { shards > 1 }

    /// Its servers: the masters in slot order, then the replicas dealt to the masters in turn.
    /// Each binds ``host`` unless its step reported another address (see ``learnedHosts``).
    public var nodes: [DatabaseNode] {
        let count = shards * (1 + (isCluster ? replicasPerShard : 0))
        return ClusterFormation.masterIndices(count: count, shards: shards).enumerated().map { index, master in
            let name = "\(name)_\(index)"
            return DatabaseNode(name: name, host: learnedHosts[name] ?? host, port: port + index, masterIndex: master)
        }
    }

    /// The address each node's step found for ``interface`` on the host it runs on, by node
    /// name, when the launcher runs steps on other hosts (Slurm); empty before a start.
    public internal(set) var learnedHosts: [String: String] = [:]

    /// The environment variable that carries the address: `SSDB` for the default identifier,
    /// `SSDB_<name>` otherwise (SmartSim's rule).
    public var addressVariable: String { ClientVariables.named(ClientVariables.address, suffix: variableSuffix) }

    /// The matching database-type variable (`SR_DB_TYPE`, or `SR_DB_TYPE_<name>`).
    public var typeVariable: String { ClientVariables.named(ClientVariables.databaseType, suffix: variableSuffix) }

    /// The environment variable that carries the password: `TANDEM_DB_PASSWORD` for the
    /// default identifier, `TANDEM_DB_PASSWORD_<name>` otherwise.
    public var passwordVariable: String { ClientVariables.named(ClientVariables.password, suffix: variableSuffix) }

    /// The suffix of its variables: none for the default identifier `orchestrator`, else its name.
    private var variableSuffix: String { name == "orchestrator" ? "" : name }

    /// Whether the database binds a loopback address (127.0.0.0/8), reachable from this machine only.
    public var isLoopback: Bool { host.hasPrefix("127.") }

    /// What `node` is, in words: `shard 2 of 3`, `replica of shard 1`, or `standalone`.
    public func role(of node: DatabaseNode) -> String {
        guard isCluster, let index = nodes.firstIndex(of: node) else { return "standalone" }
        return node.masterIndex.map { "replica of shard \($0 + 1)" } ?? "shard \(index + 1) of \(shards)"
    }

    /// The configuration file of `node` written when the database starts (mode 0600: it may
    /// hold the password); the first node's by default.
    public func configurationFile(of node: DatabaseNode? = nil) -> URL {
        directory.appendingPathComponent("\((node ?? nodes[0]).name).conf")
    }
}

/// Whether a database saves its data to disk.
public enum Persistence: Sendable, Hashable {
    /// Nothing is saved (the default: staging data is transient).
    case none
    /// An RDB snapshot after `everySeconds` if at least `changes` keys changed (Redis `save`).
    case snapshots(everySeconds: Int, changes: Int)
    /// Every write appended to a log, synced once a second (Redis `appendonly yes`).
    case appendOnly
}
