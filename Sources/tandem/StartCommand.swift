import ArgumentParser
import Foundation
import TandemExperiment

/// `tandem start`: a database in the foreground (Ctrl-C stops it) or detached.
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a database: redis-server with the TandemAI module loaded.",
        discussion: """
            In the foreground (the default) the database runs until this command is interrupted \
            or `tandem stop` shuts it down. With --detach it keeps running after this command \
            returns; stop it with `tandem stop`.

            With --nodes N (3 or more) the database is a Redis Cluster of N shards on consecutive \
            ports from --port, each with --replicas replicas (a replica takes over when its master \
            fails); clients reach it with SSDB set to any of its addresses and SR_DB_TYPE=Clustered.

            With --password-file the database requires that password (`requirepass`); clients give \
            it as TANDEM_DB_PASSWORD or with --password-file. Binding an interface other than \
            loopback without a password is refused unless --no-password says it is meant.
            """)

    @Option(help: "TCP port (of the first node; further nodes take the next ports).")
    var port = 6780

    @Option(help: "Shards: 1 for one server, or 3 and more for a Redis Cluster.")
    var nodes = 1

    @Option(help: "Replicas of every shard of a cluster.")
    var replicas = 0

    @Option(help: "Network interface to bind to (lo, eth0, …) or an IPv4 address.")
    var interface = "lo"

    @Option(help: "TandemAI worker threads per queue.")
    var threads = 1

    @Option(help: "The TandemAI module file (default: $TANDEM_MODULE_PATH).")
    var module: String?

    @Option(help: "Directory for the configuration, log and data (default: ./tandem-db-<port>).")
    var directory: String?

    @Flag(help: "Save snapshots to disk (every 60 s after at least one change).")
    var persist = false

    @Flag(help: "Leave the database running when this command exits.")
    var detach = false

    @Option(name: .customLong("password-file"), help: "A file holding the password clients must give (its first line).")
    var passwordFile: String?

    @Flag(name: .customLong("no-password"),
          help: "Serve without a password on an interface other than loopback (anyone on that network can use it).")
    var noPassword = false

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1…65535") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1…256") }
        guard nodes != 2 else {
            throw ValidationError("--nodes 2 is refused, as SmartSim refuses it: a cluster of two masters cannot agree on a failed one; use 1, or 3 and more")
        }
        guard nodes == 1 || (3...1000).contains(nodes) else { throw ValidationError("--nodes must be 1, or 3…1000") }
        guard (0...16).contains(replicas) else { throw ValidationError("--replicas must be 0…16") }
        guard replicas == 0 || nodes >= 3 else { throw ValidationError("--replicas needs a cluster: --nodes 3 or more") }
        guard !(noPassword && passwordFile != nil) else { throw ValidationError("give either --password-file or --no-password") }
    }

    func run() async throws {
        let password = try passwordFile.map(PasswordFile.read)
        let (experiment, database) = try reportingErrors {
            let experiment = try Experiment(name: "tandem-db-\(port)",
                                            directory: directory.map { URL(fileURLWithPath: $0) })
            var database = try experiment.createDatabase(port: port, interface: interface, threadsPerQueue: threads, shards: nodes)
            database.replicasPerShard = replicas
            database.readinessTimeout = .seconds(15 + 5 * nodes * (1 + replicas))
            database.modulePath = module
            database.persistence = persist ? .snapshots(everySeconds: 60, changes: 1) : .none
            database.outlivesDriver = detach
            database.password = password
            database.allowsUnauthenticatedAccess = noPassword
            try experiment.start(database)
            return (experiment, database)
        }
        let reports = experiment.reports(of: database)
        if database.isCluster {
            print("Database started: a Redis Cluster of \(database.shards) shards (log \(database.directory.path))")
            for (node, report) in zip(database.nodes, reports) {
                let role = node.masterIndex.map { "replica of \(database.nodes[$0].address)" } ?? "master"
                print("  \(node.name) at \(node.address), \(role) (pid \(report.jobID))")
            }
            print("Clients: SSDB=\(database.clientAddresses) SR_DB_TYPE=Clustered")
        } else {
            print("Database started at address: \(database.address) (pid \(reports[0].jobID), log \(database.directory.path))")
        }
        guard !detach else { return }
        print("Press Ctrl-C to stop it.")
        fflush(nil)  // the output may be a file, and an interrupt ends this process by its signal
        try await experiment.wait(for: [database])
        for report in experiment.reports(of: database) {
            print("Database node \(report.name) ended: \(report.status)")
        }
    }
}
