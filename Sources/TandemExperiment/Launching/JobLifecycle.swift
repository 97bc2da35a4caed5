/// The lifecycle of one job as a pure state machine: the experiment feeds it events
/// (launched, stop requested, time passing, exited) and performs the actions it returns
/// (send SIGTERM, send SIGKILL). No I/O and no clock of its own, so tests drive it with
/// made-up instants.
///
/// ```
/// new ──launched──▶ running ──exited──▶ completed | failed
///                      │
///                 stopRequested ─▶ stopping ──(grace passes: kill)──exited──▶ cancelled
/// ```
struct JobLifecycle: Sendable, Equatable {
    typealias Instant = ContinuousClock.Instant

    enum State: Sendable, Equatable {
        case new
        case running(since: Instant)
        case stopping(since: Instant, killAt: Instant, killed: Bool)
        case finished(JobStatus, Termination?, since: Instant?, ended: Instant)
    }

    /// What the owner must do to the process.
    enum Action: Sendable, Equatable {
        case none
        /// Ask it to stop (SIGTERM to its process group).
        case terminate
        /// Force it (SIGKILL to its process group).
        case kill
    }

    private(set) var state = State.new
    /// Whether the launcher last said the running job waits in a queue.
    private(set) var isQueued = false

    /// The status this state reports.
    var status: JobStatus {
        switch state {
        case .new: .new
        case .running: isQueued ? .pending : .running
        case .stopping: .running
        case .finished(let status, _, _, _): status
        }
    }

    /// How the process ended, once it has.
    var termination: Termination? {
        if case .finished(_, let termination, _, _) = state { termination } else { nil }
    }

    /// The process was started at `now`.
    mutating func launched(at now: Instant) {
        guard case .new = state else { return }
        state = .running(since: now)
    }

    /// The launcher says whether the launched job waits in a queue (pending) or runs.
    mutating func queued(_ waiting: Bool) {
        if case .running = state { isQueued = waiting } else { isQueued = false }
    }

    /// Someone asked the job to stop at `now`; after `grace` it gets killed.
    mutating func stopRequested(at now: Instant, grace: Duration) -> Action {
        switch state {
        case .new:
            state = .finished(.cancelled, nil, since: nil, ended: now)
            return .none
        case .running(let since):
            state = .stopping(since: since, killAt: now + grace, killed: false)
            return .terminate
        case .stopping, .finished:
            return .none
        }
    }

    /// Time passed; returns `.kill` once when a stopping job has outlived its grace period.
    mutating func tick(at now: Instant) -> Action {
        guard case .stopping(let since, let killAt, false) = state, now >= killAt else { return .none }
        state = .stopping(since: since, killAt: killAt, killed: true)
        return .kill
    }

    /// The process ended at `now`: completed on exit code 0, failed otherwise, cancelled
    /// whatever the code when a stop was requested.
    mutating func exited(_ termination: Termination, at now: Instant) {
        switch state {
        case .new:
            state = .finished(.failed, termination, since: nil, ended: now)
        case .running(let since):
            let status: JobStatus = termination == .exited(code: 0) ? .completed : .failed
            state = .finished(status, termination, since: since, ended: now)
        case .stopping(let since, _, _):
            state = .finished(.cancelled, termination, since: since, ended: now)
        case .finished:
            break
        }
    }

    /// Time from launch to the end, or to `now` while running; zero before launch.
    func elapsed(at now: Instant) -> Duration {
        switch state {
        case .new: .zero
        case .running(let since), .stopping(let since, _, _): now - since
        case .finished(_, _, let since?, let ended): ended - since
        case .finished(_, _, nil, _): .zero
        }
    }
}
