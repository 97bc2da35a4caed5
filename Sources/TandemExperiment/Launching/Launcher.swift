import Foundation

/// Starts, watches and signals jobs for an experiment: the local launcher runs them as child
/// processes; the Slurm launcher runs them as job steps. The experiment decides *what* runs and
/// keeps each job's lifecycle; a launcher only knows *how*.
public protocol Launcher: Sendable {
    /// A short name for messages (`local`).
    var name: String { get }

    /// Starts one job.
    ///
    /// - Returns: the job's identifier (the process id for the local launcher).
    /// - Throws: ``ExperimentError/Code-swift.struct/launchFailed`` when it could not be started;
    ///   nothing runs then.
    func launch(_ step: LaunchStep) throws(ExperimentError) -> JobID

    /// Where the job stands now; never blocks.
    func state(of job: JobID) -> LauncherJobState

    /// Sends `signal` to the job (and, locally, to every process in its process group).
    func send(_ signal: StopSignal, to job: JobID)

    /// Starts several jobs as one batch job (an ensemble with ``BatchSettings``).
    ///
    /// - Returns: one identifier per step, in order.
    /// - Throws: ``ExperimentError/Code-swift.struct/launchFailed`` when the batch was refused;
    ///   nothing runs then. The default starts each step with ``launch(_:)``, stopping those
    ///   already started if one fails.
    func launchBatch(_ batch: BatchLaunch) throws(ExperimentError) -> [JobID]

    /// How the summary shows the job: its identifier by default; the Slurm launcher shows
    /// the job and step ids Slurm gave it once known.
    func label(of job: JobID) -> String

    /// Whether steps may run on hosts other than the driver's (so a database node must find
    /// its own address there): `false` for the local launcher.
    var runsStepsElsewhere: Bool { get }
}

extension Launcher {
    public func launchBatch(_ batch: BatchLaunch) throws(ExperimentError) -> [JobID] {
        var started: [JobID] = []
        do {
            for step in batch.steps { started.append(try launch(step)) }
        } catch {
            for job in started { send(.kill, to: job) }
            throw error
        }
        return started
    }

    public func label(of job: JobID) -> String { job.rawValue }

    public var runsStepsElsewhere: Bool { false }
}

/// A job's identifier in its launcher.
public struct JobID: Hashable, Sendable, CustomStringConvertible {
    /// The launcher's own identifier (a process id, a Slurm step id, …).
    public var rawValue: String
    /// Creates an identifier.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// One job, ready to start: everything resolved, nothing left to look up.
public struct LaunchStep: Sendable, Hashable {
    /// The job's name (for messages).
    public var name: String
    /// The program's path.
    public var executable: String
    /// Its arguments, without the program name.
    public var arguments: [String]
    /// Its complete environment.
    public var environment: [String: String]
    /// Where it runs.
    public var workingDirectory: URL
    /// Where its standard output goes (truncated at start).
    public var outputFile: URL
    /// Where its standard error goes (truncated at start).
    public var errorFile: URL
    /// Whether the job may outlive the driver (a detached database): it is then not stopped
    /// when the driver exits or is interrupted.
    public var outlivesDriver: Bool
    /// Whether the driver's death reaches the job as SIGTERM rather than SIGKILL, for a job
    /// that must act on it (a Slurm allocation's holder gives the allocation back, a batch
    /// job's guard cancels it); the watchdog's SIGKILL follows two seconds later.
    var stopsGracefully = false
    /// What the job asks of a workload manager (ignored by the local launcher).
    public var resources: JobResources
    /// More programs of the same step (MPMD); only a workload manager's launcher runs them.
    public var mpmd: [Program]

    /// One more program of an MPMD step.
    public struct Program: Sendable, Hashable {
        /// The program's path.
        public var executable: String
        /// Its arguments.
        public var arguments: [String]
        /// Its complete environment.
        public var environment: [String: String]
        /// How many tasks run it (at least 1).
        public var tasks: Int

        /// Creates a program.
        public init(executable: String, arguments: [String], environment: [String: String], tasks: Int = 1) {
            self.executable = executable
            self.arguments = arguments
            self.environment = environment
            self.tasks = tasks
        }
    }

    /// Creates a step.
    public init(name: String, executable: String, arguments: [String], environment: [String: String],
                workingDirectory: URL, outputFile: URL, errorFile: URL, outlivesDriver: Bool = false,
                resources: JobResources = JobResources(), mpmd: [Program] = []) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.outputFile = outputFile
        self.errorFile = errorFile
        self.outlivesDriver = outlivesDriver
        self.resources = resources
        self.mpmd = mpmd
    }
}

/// What a launcher knows about a job.
public enum LauncherJobState: Sendable, Equatable {
    /// Waiting in a workload manager's queue for resources.
    case pending
    /// Still running.
    case running
    /// Ended at the given instant.
    case ended(Termination, at: ContinuousClock.Instant)
    /// The launcher has never heard of this job.
    case unknown
}

/// How to ask a job to stop.
public enum StopSignal: Sendable, Hashable {
    /// Politely (SIGTERM): the job may clean up.
    case terminate
    /// Forcefully (SIGKILL).
    case kill
}
