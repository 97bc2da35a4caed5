import Foundation
import Glibc
import Synchronization

extension Experiment {
    // MARK: - Watching

    /// The status of each of the entity's jobs, by job name; ``JobStatus/new`` for jobs never started.
    public func status(of entity: some Entity) -> [String: JobStatus] {
        refresh()
        return state.withLock { state in
            Dictionary(uniqueKeysWithValues: entity.jobNames.map { ($0, state.latest($0)?.lifecycle.status ?? .new) })
        }
    }

    /// Whether every job of the entity has finished (completed, failed or cancelled).
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/unknownEntity`` when a job was never started.
    public func finished(_ entity: some Entity) throws(ExperimentError) -> Bool {
        let statuses = status(of: entity)
        if let never = statuses.first(where: { $0.value == .new })?.key {
            throw ExperimentError(.unknownEntity, "\(never) was never started in experiment \(name)")
        }
        return statuses.values.allSatisfy(\.isTerminal)
    }

    /// The latest run of each of the entity's jobs that was started, in job order.
    public func reports(of entity: some Entity) -> [JobReport] {
        refresh()
        let now = ContinuousClock.now
        return state.withLock { state in entity.jobNames.compactMap { state.latest($0).map(labelled(at: now)) } }
    }

    /// `database` as it was started: where a launcher runs steps on other hosts, each node's
    /// address is the one its step reported. `nil` when it is not running.
    public func running(_ database: Orchestrator) -> Orchestrator? {
        refresh()
        return state.withLock { $0.databases[database.name] }
    }

    /// Every run of every job, in start order: what ``summary(format:)`` tabulates.
    public func reports() -> [JobReport] {
        refresh()
        let now = ContinuousClock.now
        return state.withLock { state in state.runs.map(labelled(at: now)) }
    }

    /// A run's report, its job id as the launcher shows it (Slurm's `<job>.<step>`).
    private func labelled(at now: ContinuousClock.Instant) -> (JobRecord) -> JobReport {
        { [launcher] record in
            var report = record.report(at: now)
            if let job = record.jobID { report.jobID = launcher.label(of: job) }
            return report
        }
    }

    /// Blocks until every job of the entities has finished.
    ///
    /// - Parameters:
    ///   - timeout: give up after this long (`nil`: wait for ever).
    ///   - pollInterval: how often to look.
    /// - Throws: ``ExperimentError/Code-swift.struct/timeout``; ``ExperimentError/Code-swift.struct/unknownEntity``
    ///   for a job never started.
    public func waitUntilFinished(_ entities: any Entity..., timeout: Duration? = nil,
                                  pollInterval: Duration = .milliseconds(20)) throws(ExperimentError) {
        try waitUntilFinished(jobNames: entities.flatMap(\.jobNames), timeout: timeout, pollInterval: pollInterval)
    }

    /// Blocks until every model this experiment started has finished (databases keep running),
    /// reporting each unfinished job as `name(job id): Status` every `interval` — SmartSim's `poll`.
    ///
    /// - Parameters:
    ///   - interval: how often to report.
    ///   - report: where the lines go; `nil` for silence.
    public func poll(interval: Duration = .seconds(10), report: ((String) -> Void)? = { print($0) }) {
        let clock = ContinuousClock()
        var nextReport = clock.now
        while true {
            let unfinished = reports().filter { $0.entityType != "DBNode" && !$0.status.isTerminal }
            if unfinished.isEmpty { return }
            if let report, clock.now >= nextReport {
                for job in unfinished { report("\(job.name)(\(job.jobID)): \(job.status)") }
                nextReport = clock.now + interval
            }
            Self.pause(min(interval, .milliseconds(20)))
        }
    }

    /// Suspends until every job of the entities has finished. Cancelling the waiting task
    /// stops the entities (terminate, then kill after `grace`) before the cancellation is rethrown.
    ///
    /// - Throws: `CancellationError`, or ``ExperimentError/Code-swift.struct/unknownEntity``.
    public func wait(for entities: [any Entity], pollInterval: Duration = .milliseconds(20),
                     grace: Duration = .seconds(5)) async throws {
        let names = entities.flatMap(\.jobNames)
        do {
            while try !allFinished(names) {
                try await Task.sleep(for: pollInterval)
            }
        } catch is CancellationError {
            stop(jobNames: names, grace: grace)
            throw CancellationError()
        }
    }

    func waitUntilFinished(jobNames names: [String], timeout: Duration?,
                           pollInterval: Duration = .milliseconds(20)) throws(ExperimentError) {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + $0 }
        while try !allFinished(names) {
            if let deadline, clock.now >= deadline {
                let waiting = state.withLock { state in names.filter { state.latest($0)?.lifecycle.status.isTerminal != true } }
                throw ExperimentError(.timeout, "still running after \(timeout!): \(waiting.joined(separator: ", "))")
            }
            Self.pause(pollInterval)
        }
    }

    private func allFinished(_ names: [String]) throws(ExperimentError) -> Bool {
        refresh()
        return try state.withLock { state throws(ExperimentError) in
            for name in names {
                guard let record = state.latest(name) else {
                    throw ExperimentError(.unknownEntity, "\(name) was never started in experiment \(self.name)")
                }
                if !record.lifecycle.status.isTerminal { return false }
            }
            return true
        }
    }

    /// Brings every running job's record up to date with its launcher, and forgets databases
    /// that ended.
    func refresh() {
        state.withLock { state in
            for index in state.runs.indices where state.runs[index].lifecycle.isLaunchedAndUnfinished {
                guard let job = state.runs[index].jobID else { continue }
                switch launcher.state(of: job) {
                case .ended(let termination, let end): state.runs[index].lifecycle.exited(termination, at: end)
                case .pending: state.runs[index].lifecycle.queued(true)
                case .running: state.runs[index].lifecycle.queued(false)
                case .unknown: break
                }
            }
            state.databases = state.databases.filter { database in
                database.value.nodes.contains { state.latest($0.name)?.lifecycle.status == .running }
            }
        }
    }

    // MARK: - Stopping

    /// Stops the entities' running jobs: SIGTERM to each job's process group, SIGKILL to those
    /// still running after `grace`; returns once all have ended. Stopped jobs report
    /// ``JobStatus/cancelled``. A stopped database is no longer passed to entities started later.
    public func stop(_ entities: any Entity..., grace: Duration = .seconds(5)) {
        stop(jobNames: entities.flatMap(\.jobNames), grace: grace)
    }

    /// Runs `handler` when the driver is interrupted (SIGINT, SIGTERM or SIGHUP), on a
    /// background queue, *before* the children are stopped: it may stop entities itself (so
    /// they are recorded ``JobStatus/cancelled``), write what was done and print a summary.
    /// When every handler has returned, whatever still runs is stopped and the driver dies
    /// of the signal. Registering installs the signal handlers, even before any launch.
    ///
    /// - Parameter handler: receives the signal number; runs at most once per signal delivery.
    public static func onInterrupt(_ handler: @escaping @Sendable (Int32) -> Void) {
        ProcessGroupRegistry.shared.addInterruptHandler(handler)
    }

    /// Stops every job this experiment started that is still running.
    public func stopAll(grace: Duration = .seconds(5)) {
        stop(jobNames: state.withLock { Array($0.latestRun.keys) }, grace: grace)
    }

    func stop(jobNames names: [String], grace: Duration) {
        refresh()
        let clock = ContinuousClock()
        let runs = state.withLock { state in names.compactMap { state.latestRun[$0] } }
        perform(actions: state.withLock { state in
            runs.map { (state.runs[$0].jobID, state.runs[$0].lifecycle.stopRequested(at: clock.now, grace: grace)) }
        })
        // Escalate after the grace period; give killed jobs a moment to be reaped.
        let giveUp = clock.now + grace + .seconds(5)
        while clock.now < giveUp {
            refresh()
            let (done, actions) = state.withLock { state in
                (runs.allSatisfy { state.runs[$0].lifecycle.status.isTerminal },
                 runs.map { (state.runs[$0].jobID, state.runs[$0].lifecycle.tick(at: clock.now)) })
            }
            if done { break }
            perform(actions: actions)
            Self.pause(.milliseconds(5))
        }
        refresh()
    }

    private func perform(actions: [(JobID?, JobLifecycle.Action)]) {
        for (job, action) in actions {
            guard let job else { continue }
            switch action {
            case .none: break
            case .terminate: launcher.send(.terminate, to: job)
            case .kill: launcher.send(.kill, to: job)
            }
        }
    }
}

extension JobLifecycle {
    /// Running or stopping: the launcher still has news to give.
    var isLaunchedAndUnfinished: Bool {
        switch state {
        case .running, .stopping: true
        case .new, .finished: false
        }
    }
}

extension Experiment {
    /// Blocks the calling thread for `duration`.
    static func pause(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
