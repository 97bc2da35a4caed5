import Foundation

/// Starts, watches and signals jobs for an experiment: the local launcher runs them as child
/// processes; a Slurm launcher would submit job steps. The experiment decides *what* runs and
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

    /// Creates a step.
    public init(name: String, executable: String, arguments: [String], environment: [String: String],
                workingDirectory: URL, outputFile: URL, errorFile: URL, outlivesDriver: Bool = false) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.outputFile = outputFile
        self.errorFile = errorFile
        self.outlivesDriver = outlivesDriver
    }
}

/// What a launcher knows about a job.
public enum LauncherJobState: Sendable, Equatable {
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
