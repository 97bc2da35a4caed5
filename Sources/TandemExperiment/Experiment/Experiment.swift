import Foundation
import Synchronization

/// An experiment: declares what runs (databases, models, ensembles), generates their
/// directories, launches them through a ``Launcher``, watches and stops them, and summarises.
///
/// It is SmartSim's `Experiment` in Swift shapes: entities are values, expansion strategies and
/// statuses are enums, errors say what to fix, and every child it starts is stopped when the
/// driver exits or is interrupted.
///
/// ```swift
/// let experiment = try Experiment(name: "surrogate_training", launcher: LocalLauncher())
/// let database = try experiment.createDatabase(port: 6780, interface: "lo")
/// try experiment.start(database)
///
/// let simulation = RunSettings(executable: "fd-sim", arguments: ["--steps=100", "--size=64"])
/// let ensemble = experiment.createEnsemble("fd_simulation", runSettings: simulation, replicas: 2)
/// var trainer = experiment.createModel("surrogate-train", runSettings: RunSettings(executable: "surrogate-train"))
/// trainer.registerIncomingEntity(ensemble)
///
/// try experiment.start(ensemble, trainer, block: false)
/// try experiment.waitUntilFinished(ensemble, trainer)
/// experiment.stop(database)
/// print(experiment.summary())
/// ```
public final class Experiment: Sendable {
    /// The experiment's name.
    public let name: String
    /// The experiment's directory; each entity gets a subdirectory named after it.
    public let directory: URL
    /// How jobs are started.
    public let launcher: any Launcher
    /// The environment jobs inherit (the driver's, by default).
    public let environment: [String: String]

    let state = Mutex(State())
    /// This driver's run record, for `tandem runs` should the driver die without cleaning up.
    let registration: RunRegistration

    struct State {
        /// Every run ever started, in start order (index into `runs`).
        var runs: [JobRecord] = []
        /// Job name → index of its latest run in `runs`.
        var latestRun: [String: Int] = [:]
        /// Databases started and not stopped, by identifier.
        var databases: [String: Orchestrator] = [:]
    }

    /// Creates an experiment and its directory.
    ///
    /// - Parameters:
    ///   - name: the experiment's name.
    ///   - directory: where its files go; `<current directory>/<name>` by default.
    ///   - launcher: how jobs are started.
    ///   - environment: what jobs inherit; the driver's environment by default.
    /// - Throws: ``ExperimentError/Code-swift.struct/generationFailed`` when the directory cannot be created.
    public init(name: String, directory: URL? = nil, launcher: any Launcher = LocalLauncher(),
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(ExperimentError) {
        self.name = name
        self.directory = (directory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .appendingPathComponent(name, isDirectory: true)).standardizedFileURL
        self.launcher = launcher
        self.environment = environment
        self.registration = RunRegistration(experiment: name, directory: self.directory)
        do {
            try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        } catch {
            throw ExperimentError(.generationFailed,
                "cannot create the experiment directory: \(FileProblem.explain(error, at: self.directory.path))")
        }
    }

    // MARK: - Declaring entities

    /// Declares a model in `<experiment>/<name>`.
    public func createModel(_ name: String, runSettings: RunSettings, parameters: [String: String] = [:]) -> Model {
        Model(name: name, runSettings: runSettings, parameters: parameters, directory: entityDirectory(name))
    }

    /// Declares an ensemble of `replicas` identical members in `<experiment>/<name>/<name>_<i>`.
    ///
    /// - Precondition: `replicas ≥ 1`.
    public func createEnsemble(_ name: String, runSettings: RunSettings, replicas: Int) -> Ensemble {
        Ensemble(name: name, runSettings: runSettings, replicas: replicas, directory: entityDirectory(name))
    }

    /// Declares an ensemble with one member per parameter set `strategy` draws from `parameters`.
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/invalidDeclaration`` (see ``ParameterSpace/expand(_:)``).
    public func createEnsemble(_ name: String, runSettings: RunSettings, parameters: ParameterSpace,
                               strategy: ExpansionStrategy) throws(ExperimentError) -> Ensemble {
        try Ensemble(name: name, runSettings: runSettings, parameters: parameters, strategy: strategy,
                     directory: entityDirectory(name))
    }

    /// Declares a database in `<experiment>/<identifier>`.
    ///
    /// - Parameters:
    ///   - port: its TCP port (the first node's; further nodes take the next ports).
    ///   - interface: the network interface it binds to (`lo`, loopback, by default), or an IPv4
    ///     address. With a launcher that runs steps on other hosts (Slurm), each node binds the
    ///     interface of that name on its own host, which this machine need not have.
    ///   - threadsPerQueue: TandemAI worker threads.
    ///   - identifier: `orchestrator` for the default database (its address goes to `SSDB`);
    ///     any other identifier `id` puts it in `SSDB_<id>`.
    ///   - shards: 1 for one server, or 3 and more for a Redis Cluster of that many masters.
    /// - Throws: ``ExperimentError/Code-swift.struct/unknownInterface``, ``ExperimentError/Code-swift.struct/invalidDeclaration``.
    public func createDatabase(port: Int = 6780, interface: String = "lo", threadsPerQueue: Int = 1,
                               identifier: String = "orchestrator", shards: Int = 1) throws(ExperimentError) -> Orchestrator {
        var database = try Orchestrator(name: identifier, port: port, interface: interface, threadsPerQueue: threadsPerQueue,
                                        directory: entityDirectory(identifier),
                                        interfaceMayBeElsewhere: launcher.runsStepsElsewhere)
        database.shards = shards
        try database.checkShape()
        return database
    }

    /// Names a status file of this run: JSON with a top-level `"state"` that says `"running"`
    /// while the run goes on (such as online-training's `summary.json`), or an HTML page whose
    /// running-only parts are marked with ``RunningMarkup`` (its `report.html`). Should the
    /// driver die without ending the run (SIGKILL, a crash), `tandem runs` marks the file killed.
    public func recordStatusFile(_ url: URL) {
        registration.addStatusFile(url.standardizedFileURL)
    }

    private func entityDirectory(_ name: String) -> URL {
        directory.appendingPathComponent(name, isDirectory: true)
    }
}

/// One run of one job.
struct JobRecord: Sendable {
    var name: String
    var entityType: String
    var jobID: JobID?
    var runID: Int
    var lifecycle = JobLifecycle()
}
