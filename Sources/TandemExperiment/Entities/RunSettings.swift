import Foundation

/// How to run one program: what to execute, with which arguments and environment, and where.
///
/// A value: an ensemble gives each member its own copy, and changing one never changes another.
///
/// ```swift
/// var settings = RunSettings(executable: "fd-sim", arguments: ["--steps=100", "--size=64"])
/// settings.environment["OMP_NUM_THREADS"] = "1"
/// ```
///
/// The launcher runs `executable` with `arguments`, in `workingDirectory` (the entity's own
/// directory when `nil`), with the driver's environment, then `environment` on top of it,
/// then the database variables the experiment sets (`SSDB`, `SSKEYIN`, `SSKEYOUT`).
///
/// Under a workload manager, ``resources`` says how many nodes, tasks and CPUs the job asks
/// for, and ``mpmd`` adds more programs to the same job step (MPMD: one step, several
/// programs, as `srun --multi-prog` runs them). The local launcher runs one process and
/// ignores ``resources``.
public struct RunSettings: Sendable, Hashable {
    /// The program: a path, or a name looked up in `PATH` (the driver's, or `environment["PATH"]`).
    public var executable: String
    /// The program's arguments (without the program name).
    public var arguments: [String]
    /// Variables added to (or replacing those of) the driver's environment.
    public var environment: [String: String]
    /// Where the program runs; `nil` means the entity's directory.
    public var workingDirectory: URL?
    /// Nodes, tasks, CPUs and time asked of a workload manager (`srun` options under Slurm).
    public var resources = JobResources()
    /// More programs run in the same step, each with its own arguments, environment (on top
    /// of this one's) and task count (`resources.tasks`, 1 by default); only the Slurm launcher
    /// runs them. Their working directory and output files are this program's.
    public var mpmd: [RunSettings] = []

    /// Creates run settings.
    public init(executable: String, arguments: [String] = [], environment: [String: String] = [:],
                workingDirectory: URL? = nil, resources: JobResources = JobResources()) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.resources = resources
    }

    /// Adds `other` as one more program of the same step (SmartSim's `make_mpmd`).
    public mutating func makeMPMD(_ other: RunSettings) {
        mpmd.append(other)
    }
}
