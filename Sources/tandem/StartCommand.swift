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
            """)

    @Option(help: "TCP port.")
    var port = 6780

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

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1…65535") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        let (experiment, database) = try reportingErrors {
            let experiment = try Experiment(name: "tandem-db-\(port)",
                                            directory: directory.map { URL(fileURLWithPath: $0) })
            var database = try experiment.createDatabase(port: port, interface: interface, threadsPerQueue: threads)
            database.modulePath = module
            database.persistence = persist ? .snapshots(everySeconds: 60, changes: 1) : .none
            database.outlivesDriver = detach
            try experiment.start(database)
            return (experiment, database)
        }
        let report = experiment.reports(of: database)[0]
        print("Database started at address: \(database.address) (pid \(report.jobID), log \(database.directory.path))")
        guard !detach else { return }
        print("Press Ctrl-C to stop it.")
        fflush(nil)  // the output may be a file, and an interrupt ends this process by its signal
        try await experiment.wait(for: [database])
        print("Database \(database.address) ended: \(experiment.reports(of: database)[0].status)")
    }
}
