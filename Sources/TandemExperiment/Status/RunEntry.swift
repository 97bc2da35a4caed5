import Foundation

/// What a driver process records about its experiment while it runs, so that `tandem runs`
/// can find what a driver that died without cleaning up (killed with SIGKILL, crashed) left:
/// its processes, its database on its port, and status files that still say "running".
///
/// One JSON file per experiment, in ``RunRegistry/directory(environment:)``, named after the
/// driver's pid; written when the experiment launches a job, removed when the driver exits
/// normally or is interrupted. A file whose driver is gone belongs to a *stale* run.
public struct RunEntry: Codable, Sendable, Hashable {
    /// One job the driver launched (jobs that outlive the driver on purpose are not recorded).
    public struct Job: Codable, Sendable, Hashable {
        /// The job's name (`orchestrator_0`, `fd_simulation_1`, …).
        public var name: String
        /// Its process id, which is also its process group.
        public var pid: Int32
        /// Its start time in clock ticks since boot (`/proc/<pid>/stat`), so that a recycled
        /// pid is never mistaken for it.
        public var startTicks: UInt64
        /// For a database: where it listens (`host:port`).
        public var address: String?
        /// For a database: whether clients must give a password (the password itself is
        /// never recorded).
        public var requiresPassword: Bool?

        /// Creates a job entry.
        public init(name: String, pid: Int32, startTicks: UInt64, address: String? = nil, requiresPassword: Bool? = nil) {
            self.name = name
            self.pid = pid
            self.startTicks = startTicks
            self.address = address
            self.requiresPassword = requiresPassword
        }
    }

    /// The driver's process id.
    public var driverPID: Int32
    /// The driver's start time in clock ticks since boot.
    public var driverStartTicks: UInt64
    /// The experiment's name.
    public var experiment: String
    /// The experiment's directory.
    public var directory: String
    /// The jobs launched, in launch order.
    public var jobs: [Job] = []
    /// JSON files with a top-level `"state"` that says `"running"` while the driver works
    /// (the online-training `summary.json`): a stale run's are marked `"killed"`.
    public var statusFiles: [String] = []
}
