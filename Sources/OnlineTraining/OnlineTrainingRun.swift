import Foundation
import HeatDiffusion
import Synchronization
import TandemClient
import TandemExperiment
import TandemPlot
import TandemTensor

/// The online-training workflow of the tutorial, from start to finish:
///
/// 1. draws three random simulations (initial temperature beside steady state);
/// 2. starts the orchestrator (`redis-server` with TandemAI) on the loopback interface;
/// 3. launches the `fd_simulation` ensemble (`fd-sim`, key prefixing) and `surrogate-train`
///    with the simulations as incoming entities;
/// 4. draws 5 simulations of member 0, then for every checkpoint runs the model *in the
///    database* on their initial temperatures and draws "Model at training epoch N";
/// 5. waits for every entity, measures the final model on fresh simulations against the
///    solver, stops the database and prints the status summary.
///
/// Everything lands in ``WorkflowOptions/output``: the pictures, `report.html` and
/// `summary.json` (rewritten after every step), and the experiment's directory. An interrupt
/// (Ctrl-C) stops every process and leaves a report of what was done.
public final class OnlineTrainingRun: Sendable {
    public let options: WorkflowOptions
    let programs: Programs
    let seed: UInt64
    let console: Console
    let record: RunRecord
    let experiment: Experiment
    /// The signal that interrupted the run, once one did.
    let interruption = Mutex<Int32?>(nil)
    /// Whether the run is going on, ending on purpose (finished, failed, interrupted: the
    /// database's end is then expected), or ending because its database was lost.
    let phase = Mutex(Phase.running)

    enum Phase {
        case running, ending, databaseLost
    }

    /// Moves from running to `next`; returns whether the run was still running.
    func leaveRunning(for next: Phase) -> Bool {
        phase.withLock { phase in
            guard phase == .running else { return false }
            phase = next
            return true
        }
    }

    /// Prepares a run: checks the options, creates the output directory and the experiment.
    ///
    /// - Parameters:
    ///   - options: what to run.
    ///   - programs: `fd-sim` and `surrogate-train`.
    /// - Throws: ``WorkflowError`` for unusable options, or when the output cannot be written.
    public init(options: WorkflowOptions, programs: Programs) throws {
        if let problem = options.problem() { throw WorkflowError(problem) }
        self.options = options
        self.programs = programs
        var generator = SeededGenerator()
        self.seed = options.seed ?? generator.next()
        self.console = Console()
        let writer: ReportWriter
        do {
            try PrivateFiles.makeDirectory(options.output)
            writer = try ReportWriter(directory: options.output)
        } catch let error as ExperimentError {
            throw WorkflowError("cannot create the output folder: \(error.message)")
        } catch {
            throw WorkflowError("cannot create the output folder: \(FileProblem.explain(error, at: options.output.path))")
        }
        Self.removeEarlierPictures(in: options.output)
        var report = Report(title: "Online training of a heat-diffusion surrogate")
        report.parameters = Self.parameters(options, seed: seed)
        report.network = (options.architecture, options.parameterCount)
        self.record = RunRecord(report: report, writer: writer, console: console)
        let launcher: any Launcher = switch options.launcher {
        case .local: LocalLauncher()
        case .slurm:
            try SlurmLauncher(allocation: ProcessInfo.processInfo.environment["SLURM_JOB_ID"] != nil ? .current
                : .obtain(.init(nodes: options.slurmNodes, partition: options.slurmPartition)))
        }
        self.experiment = try Experiment(name: "surrogate_training",
                                         directory: options.output.appendingPathComponent("surrogate_training"),
                                         launcher: launcher)
        experiment.recordStatusFile(writer.summaryURL)
        experiment.recordStatusFile(writer.htmlURL)
    }

    /// Runs the workflow to its end.
    ///
    /// - Returns: whether it finished (`false`: it failed; the report and the terminal say why).
    ///   An interrupted run does not return: the process dies of the signal after the
    ///   handler has stopped everything and written the report.
    public func run() -> Bool {
        Experiment.onInterrupt { [self] signal in interrupted(by: signal) }
        do {
            try record.update { $0.log("started with seed \(seed)") }
            console.plain("online-training: \(options.replicas) × \(options.steps) simulations at \(options.size)×\(options.size), "
                + "\(options.architecture), \(options.epochs) epochs (checkpoint every \(options.checkpointEvery)), seed \(seed)")
            console.plain("report: \(record.writer.htmlURL.path) (rewritten as the run goes)")
            try workflow()
            return true
        } catch {
            if interruption.withLock({ $0 }) != nil { parkForever() }
            failed(error)
            return false
        }
    }

    // MARK: - The steps

    private func workflow() throws {
        try drawIntroduction()
        let testCases = try solveTestCases()

        var database = try experiment.createDatabase(port: options.port, interface: options.databaseInterface, shards: options.databaseNodes)
        if !database.isLoopback { database.password = Self.makePassword() }
        database.replicasPerShard = options.databaseReplicas
        // Failover within seconds, where Redis's default waits 15 s before it counts a node as failed.
        database.clusterNodeTimeout = .seconds(2)
        database.readinessTimeout = .seconds(15 + 5 * database.nodes.count)
        database.modulePath = options.modulePath
        var ensemble = experiment.createEnsemble("fd_simulation", runSettings: RunSettings(
            executable: programs.simulation,
            arguments: ["--steps=\(options.steps)", "--size=\(options.size)", "--batch=\(options.simulationBatch)"]),
            replicas: options.replicas)
        ensemble.enableKeyPrefixing()
        for r in ensemble.members.indices {
            ensemble.members[r].runSettings.arguments.append("--seed=\(derivedSeed(100 + UInt64(r)))")
        }
        var trainer = experiment.createModel("surrogate-train", runSettings: RunSettings(
            executable: programs.trainer,
            arguments: options.networkArguments + ["--epochs=\(options.epochs)", "--size=\(options.size)",
                        "--checkpoint-every=\(options.checkpointEvery)", "--seed=\(derivedSeed(2))"]))
        trainer.registerIncomingEntity(ensemble)
        if options.databaseReplicas > 0 {
            // Every write reaches a replica before it counts, so a failed master loses no sample.
            let wait = [ClientVariables.waitReplicas: String(options.databaseReplicas)]
            for r in ensemble.members.indices { ensemble.members[r].runSettings.environment.merge(wait) { $1 } }
            trainer.runSettings.environment.merge(wait) { $1 }
        }
        try experiment.generate(database, ensemble, trainer, overwrite: true)

        try experiment.start(database)
        // Where nodes run on other hosts (Slurm), each reported its address: use those.
        database = experiment.running(database) ?? database
        watchDatabase(database)
        try note(database.isCluster
            ? "database ready: a Redis Cluster of \(database.shards) shards × \(1 + database.replicasPerShard) nodes at "
                + "\(database.clientAddresses) with TandemAI (\(database.directory.path))"
            : "database ready at \(database.address) with TandemAI (\(database.directory.path))")
        let client = try connect(to: database)

        try experiment.start(ensemble, trainer, block: false)
        try note("started \(ensemble.name) (\(options.replicas) replicas × \(options.steps) simulations, key prefixing) "
            + "and \(trainer.name) with \(ensemble.name) as incoming entity")

        var monitor = Monitor(run: self, client: client, ensemble: ensemble, trainer: trainer,
                              samples: chooseSamples(), testCases: testCases)
        try monitor.watch()

        try measure(options.checkpointName(options.checkpointEpochs.count - 1), epoch: options.checkpointEpochs.last!,
                    on: testCases, client: client)

        let layout = DatabaseLayout.survey(database)
        try record.update { $0.databaseNodes = layout }
        _ = leaveRunning(for: .ending)
        experiment.stop(database)
        (experiment.launcher as? SlurmLauncher)?.release()
        try note("database stopped")
        console.endStatus()
        try record.seal { report in
            report.state = .finished
            report.entities = experiment.reports().map(Report.EntityStatus.init)
            report.log(String(format: "finished in %.1f s", console.elapsedSeconds))
        }
        printEnding()
    }

    /// Watches the database's processes from a thread of its own: should one end while the run
    /// needs it (killed, crashed), the run fails at once naming it, rather than after the
    /// client's retries run out. A sharded database with replicas survives a node: the run
    /// notes it and goes on while a replica takes over.
    private func watchDatabase(_ database: Orchestrator) {
        let thread = Thread { [self] in
            var noted: Set<String> = []
            while true {
                Thread.sleep(forTimeInterval: 0.05)
                if phase.withLock({ $0 }) != .running { return }
                let ended = zip(database.nodes, experiment.reports(of: database)).filter { $0.1.status.isTerminal }
                for (node, report) in ended where !noted.contains(report.name) {
                    noted.insert(report.name)
                    let how = report.termination.map(String.init(describing:)) ?? "an unknown status"
                    let what = database.isCluster
                        ? "database node \(report.name) (\(node.address), \(database.role(of: node)), pid \(report.jobID)) exited with \(how)"
                        : "the database process exited with \(how) (\(report.name), pid \(report.jobID))"
                    if database.replicasPerShard > 0 {
                        try? note(what + "; the cluster fails over to a replica")
                        continue
                    }
                    guard leaveRunning(for: .databaseLost) else { return }
                    databaseEnded(what + " while the run needed it")
                }
            }
        }
        thread.name = "database-watch"
        thread.start()
    }

    /// The database ended under the run: stop the rest, say so, leave the report, exit with 1.
    private func databaseEnded(_ message: String) -> Never {
        FileHandle.standardError.write(Data("online-training: \(message)\n".utf8))
        console.silence()
        experiment.stopAll(grace: .seconds(3))
        _ = try? record.seal { report in
            report.state = .failed
            report.message = "failed: \(message)"
            report.entities = experiment.reports().map(Report.EntityStatus.init)
            report.log(String(format: "%.1f s: ", console.elapsedSeconds) + message)
        }
        console.finalWords("\n" + experiment.summary())
        console.finalWords("Report of what was done: \(record.writer.htmlURL.path)")
        exit(1)
    }

    /// A client of the database, without key prefixes (the driver reads every member's keys by their full names).
    private func connect(to database: Orchestrator) throws -> Client {
        var configuration = ClientConfiguration(addresses: database.nodes.filter(\.isMaster).map { .tcp(host: $0.host, port: $0.port) },
                                                kind: database.isCluster ? .clustered : .standalone)
        configuration.replicaAcknowledgements = database.replicasPerShard
        configuration.password = database.password
        configuration.connectionRetry = RetryPolicy(timeoutMilliseconds: 10_000, intervalMilliseconds: 200)
        configuration.commandRetry = RetryPolicy(timeoutMilliseconds: 10_000, intervalMilliseconds: 200)
        configuration.socketTimeoutMilliseconds = 5_000
        return try Client(configuration: configuration)
    }

    /// The simulations of member 0 that are drawn and predicted: distinct, sorted, among
    /// the first ``WorkflowOptions/samplePool``.
    func chooseSamples() -> [Int] {
        var generator = SeededGenerator(seed: derivedSeed(3))
        return Array(Array(0..<options.samplePool).shuffled(using: &generator).prefix(options.sampleCount)).sorted()
    }

    /// A seed for one purpose, derived from the run's seed (SplitMix64 of their mix).
    func derivedSeed(_ purpose: UInt64) -> UInt64 {
        var z = seed &+ purpose &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    // MARK: - Reporting

    /// Prints an event and logs it in the report.
    func note(_ text: String) throws {
        console.event(text)
        try record.update { report in
            report.log(String(format: "%.1f s: ", console.elapsedSeconds) + text)
            report.entities = experiment.reports().map(Report.EntityStatus.init)
        }
    }

    private func printEnding() {
        let report = record.report
        console.plain("")
        console.plain(experiment.summary())
        if let accuracy = report.accuracy {
            console.plain(String(format: "Final model on %d fresh simulations: mean absolute error %.4f, max %.4f "
                + "(predicting zeros: %.4f, returning the input: %.4f)", accuracy.samples, accuracy.meanAbsoluteError,
                accuracy.maxAbsoluteError, accuracy.zerosMeanAbsoluteError, accuracy.identityMeanAbsoluteError))
        }
        console.plain(String(format: "Wall time %.1f s. Report: %@", report.wallSeconds, record.writer.htmlURL.path))
    }

    /// The run failed: stop everything, say why, leave the report.
    private func failed(_ error: any Error) {
        _ = leaveRunning(for: .ending)
        // The database watcher is ending the run (and the process): let it.
        if phase.withLock({ $0 }) == .databaseLost { parkForever() }
        console.endStatus()
        experiment.stopAll(grace: .seconds(3))
        let reason = (error as NSError).domain == NSCocoaErrorDomain ? FileProblem.reason(error) : "\(error)"
        let message = "failed: \(reason)"
        _ = try? record.seal { report in
            report.state = .failed
            report.message = message
            report.entities = experiment.reports().map(Report.EntityStatus.init)
            report.log(String(format: "%.1f s: ", console.elapsedSeconds) + message)
        }
        let summary = experiment.summary()
        if !experiment.reports().isEmpty { console.plain("\n" + summary) }
        FileHandle.standardError.write(Data("online-training: \(message)\n".utf8))
        console.plain("Report of what was done: \(record.writer.htmlURL.path)")
    }

    /// The interrupt handler: stops every process (recorded cancelled), writes the report
    /// and the summary. The driver then dies of the signal.
    private func interrupted(by signal: Int32) {
        let first = interruption.withLock { current -> Bool in
            defer { current = current ?? signal }
            return current == nil
        }
        guard first else { return }
        _ = leaveRunning(for: .ending)
        console.silence()
        let name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"
        console.finalWords("\ninterrupted (\(name)): stopping every process…")
        experiment.stopAll(grace: .seconds(3))
        let elapsed = console.elapsedSeconds
        let sealed = (try? record.seal { report in
            report.state = .interrupted
            report.message = String(format: "Interrupted by %@ after %.1f s; this report shows what was done until then.", name, elapsed)
            report.entities = experiment.reports().map(Report.EntityStatus.init)
            report.log(String(format: "%.1f s: interrupted by %@", elapsed, name))
        }) ?? false
        guard sealed else { return }
        if !experiment.reports().isEmpty { console.finalWords(experiment.summary()) }
        console.finalWords("Report of what was done: \(record.writer.htmlURL.path)")
    }

    private func parkForever() -> Never {
        while true { sleep(60) }
    }

    // MARK: - Parameters and files

    static func parameters(_ options: WorkflowOptions, seed: UInt64) -> [(name: String, value: ReportValue)] {
        [("replicas", .int(options.replicas)), ("steps", .int(options.steps)), ("size", .int(options.size)),
         ("network", .string(options.architecture)),
         ("parameters", .int(options.parameterCount)),
         ("depth", .int(options.depth)), ("epochs", .int(options.epochs)),
         ("checkpoint_every", .int(options.checkpointEvery)), ("port", .int(options.port)),
         ("db_nodes", .int(options.databaseNodes)), ("db_replicas", .int(options.databaseReplicas)),
         ("db_interface", .string(options.databaseInterface)), ("launcher", .string(options.launcher.rawValue)),
         ("seed", .string(String(seed))), ("simulations_per_batch", .int(options.simulationBatch)),
         ("test_cases", .int(options.testCases)),
         ("module", .string(options.modulePath ?? ProcessInfo.processInfo.environment["TANDEM_MODULE_PATH"] ?? "")),
         ("cores", .int(ProcessInfo.processInfo.activeProcessorCount))]
    }

    /// A password for a database on a network: two 64-bit numbers from the system's random source, in hex.
    private static func makePassword() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
    }

    /// Pictures of an earlier run in the same folder would be mistaken for this one's.
    private static func removeEarlierPictures(in directory: URL) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for file in files where Pictures.isOurs(file) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(file))
        }
    }
}
