/// Where a job stands, as the experiment reports it.
///
/// A job is one process: an ensemble member, a model or a database node. Its status starts
/// at ``new``, becomes ``running`` once launched (``pending`` first while a workload manager
/// queues it), and ends in one of the three terminal states.
public enum JobStatus: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Declared but not launched.
    case new
    /// Submitted to a workload manager and waiting in its queue (a batch job not yet started).
    case pending
    /// Launched and not yet finished.
    case running
    /// Exited on its own with code 0.
    case completed
    /// Exited on its own with a non-zero code, or was killed by a signal nobody asked for.
    case failed
    /// Stopped on request (``Experiment/stop(_:grace:)``), whatever its exit code.
    case cancelled

    /// Whether the job has finished for good: completed, failed or cancelled.
    public var isTerminal: Bool {
        switch self {
        case .new, .pending, .running: false
        case .completed, .failed, .cancelled: true
        }
    }

    /// The capitalised name SmartSim prints (`Completed`, `Failed`, …).
    public var description: String {
        switch self {
        case .new: "New"
        case .pending: "Pending"
        case .running: "Running"
        case .completed: "Completed"
        case .failed: "Failed"
        case .cancelled: "Cancelled"
        }
    }
}

/// How a process ended.
public enum Termination: Sendable, Hashable, CustomStringConvertible {
    /// It called `exit(code)`.
    case exited(code: Int32)
    /// A signal ended it.
    case signalled(signal: Int32)

    /// The return code as Python's `subprocess` (and so SmartSim's summary) shows it:
    /// the exit code, or minus the signal number.
    public var returnCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signalled(let signal): -signal
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exit code \(code)"
        case .signalled(let signal): "signal \(signal)"
        }
    }
}
