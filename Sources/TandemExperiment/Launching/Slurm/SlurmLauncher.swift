import Foundation
import Glibc
import Synchronization

/// Runs jobs through Slurm: each job is a step (`srun`) in an allocation, and an ensemble
/// with ``BatchSettings`` is one batch job (`sbatch`) whose steps are its members.
///
/// ```swift
/// let launcher = try SlurmLauncher()          // in the allocation of SLURM_JOB_ID, else its own
/// let experiment = try Experiment(name: "surrogate_training", launcher: launcher)
/// ```
///
/// **Where steps run.** Inside an allocation (`SLURM_JOB_ID` set, as in an `sbatch` script or
/// an `salloc` shell) steps run in it. Outside, the launcher asks for an allocation on its
/// first step (``Allocation/obtain(_:)``): `salloc` holding it with a command that sleeps,
/// started as a job tied to the driver like the local launcher's, so the allocation is given
/// back when the driver exits, is interrupted or dies (its `salloc` is terminated), or on
/// ``release()``.
///
/// **Steps.** `srun` runs as a child of the driver, tied to it as a local job is; the step's
/// tasks write the entity's `.out` and `.err` files, srun's own messages go to `<name>.srun`
/// beside them. ``launch(_:)`` returns once Slurm has launched the step, so the summary shows
/// its `<job>.<step>` id, and a refused step (too many nodes, a bad node list) is an error
/// with Slurm's own words. A step ends when its srun does; how it ended is Slurm's record of
/// it (`sacct`) where Slurm keeps accounting records, else srun's exit code (the highest of
/// its tasks'). Stopping a step is `scancel --signal=TERM <job>.<step>`, then
/// `scancel --signal=KILL` when the grace period is over.
///
/// **Batch jobs.** ``launchBatch(_:)`` writes `<ensemble>.sbatch` and submits it with
/// `sbatch --parsable`; a refusal (no such partition, a limit) is an error with Slurm's words.
/// Where Slurm keeps accounting records (``usesAccounting``), a member's state is the record
/// `sacct` has of its step, or of the batch job while the step has none: pending while the
/// job waits, running, then ended with the step's exit code or signal. Where it does not (or
/// before the record is there), members are pending while the job waits in the queue
/// (`squeue`), then running; each member's exit code comes from the `<member>.exit` file the
/// script writes, since a cluster without accounting storage keeps no record of finished
/// steps, and the job's end from `scontrol show job`. Batch jobs still queued or running
/// when the driver exits are cancelled.
public final class SlurmLauncher: Launcher {
    /// Which allocation steps run in.
    public enum Allocation: Sendable, Hashable {
        /// The one of `SLURM_JOB_ID` when it is set, else one obtained with default settings.
        case automatic
        /// The one of `SLURM_JOB_ID`; an error when it is not set.
        case current
        /// An existing allocation, by job id.
        case job(String)
        /// A new one, obtained on the first step and released at the end.
        case obtain(AllocationRequest)
    }

    /// What to ask for when obtaining an allocation.
    public struct AllocationRequest: Sendable, Hashable {
        /// Nodes.
        public var nodes: Int
        /// Tasks (`--ntasks`), or Slurm's default.
        public var tasks: Int?
        /// Wall-clock limit: the allocation ends after it, whatever runs.
        public var timeLimit: Duration
        /// The partition, or the default one.
        public var partition: String?
        /// The account charged.
        public var account: String?
        /// More `salloc` options as they are.
        public var arguments: [String]

        /// Creates a request.
        public init(nodes: Int = 1, tasks: Int? = nil, timeLimit: Duration = .seconds(3600), partition: String? = nil,
                    account: String? = nil, arguments: [String] = []) {
            self.nodes = nodes
            self.tasks = tasks
            self.timeLimit = timeLimit
            self.partition = partition
            self.account = account
            self.arguments = arguments
        }
    }

    public var name: String { "slurm" }

    /// Steps run on whichever nodes Slurm gives them.
    public var runsStepsElsewhere: Bool { true }
    /// Which allocation steps run in.
    public let allocation: Allocation
    /// Whether steps share the allocation's CPUs (`srun --overlap --overcommit`), as local
    /// processes share a machine; `false` gives each step CPUs of its own, and a step then
    /// waits while the allocation has none free.
    public let shareCPUs: Bool
    /// How long ``launch(_:)`` waits for Slurm to launch a step (or grant an allocation).
    public let startTimeout: Duration
    /// How long a queue snapshot (`squeue`, `sacct`) is reused before asking Slurm again.
    public let queueInterval: Duration
    /// How long after a step's srun ended its state waits for Slurm's record of the end
    /// (slurmctld hands it to slurmdbd shortly after) before srun's own exit code is taken.
    static let recordDelay = Duration.seconds(30)

    private let environment: [String: String]
    private let commands: [String: String]
    private let local = LocalLauncher()
    private let jobs = Mutex<[JobID: Tracked]>([:])
    private let granted = Mutex<Granted?>(nil)
    private let queue = Mutex<(at: ContinuousClock.Instant, states: [String: SlurmJobState])?>(nil)
    private let records = Mutex<[String: (at: ContinuousClock.Instant, states: [String: SlurmJobState])]>([:])
    private let accounting: Mutex<Bool?>
    private let cleanupInstalled = Mutex(false)

    /// The Slurm commands the launcher runs.
    static let commandNames = ["srun", "sbatch", "salloc", "squeue", "scontrol", "scancel"]
    /// The one it runs when it is there: `sacct`, for accounting records.
    static let optionalCommandNames = ["sacct"]

    /// Creates a launcher; nothing is asked of Slurm until the first launch.
    ///
    /// - Parameters:
    ///   - allocation: where steps run.
    ///   - shareCPUs: whether steps share the allocation's CPUs.
    ///   - startTimeout: how long to wait for a step to be launched or an allocation granted.
    ///   - queueInterval: how long a snapshot of the queue or of Slurm's records is reused.
    ///   - accounting: whether states come from Slurm's accounting records (`sacct`); `nil`
    ///     asks Slurm once whether it keeps them (see ``usesAccounting``).
    ///   - environment: where `PATH` (to find Slurm's commands) and `SLURM_JOB_ID` are read.
    /// - Throws: ``ExperimentError/Code-swift.struct/launchFailed`` when Slurm's commands are
    ///   not installed, or ``Allocation/current`` is asked for outside an allocation.
    public init(allocation: Allocation = .automatic, shareCPUs: Bool = true, startTimeout: Duration = .seconds(60),
                queueInterval: Duration = .milliseconds(250), accounting: Bool? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(ExperimentError) {
        var commands: [String: String] = [:]
        for command in Self.commandNames {
            guard let path = ExecutableLookup.find(command, path: environment["PATH"]) else {
                throw ExperimentError(.launchFailed,
                    "the Slurm launcher needs Slurm's commands, and \(command) is not in PATH; run on a Slurm "
                    + "cluster's login node, or start a local one with scripts/slurm-local.sh start")
            }
            commands[command] = path
        }
        for command in Self.optionalCommandNames {
            commands[command] = ExecutableLookup.find(command, path: environment["PATH"])
        }
        if case .current = allocation, environment["SLURM_JOB_ID"] == nil {
            throw ExperimentError(.launchFailed,
                "the Slurm launcher was asked to use the current allocation, but SLURM_JOB_ID is not set "
                + "(run inside salloc or an sbatch script)")
        }
        self.allocation = allocation
        self.shareCPUs = shareCPUs
        self.startTimeout = startTimeout
        self.queueInterval = queueInterval
        self.environment = environment
        self.commands = commands
        self.accounting = Mutex(accounting == true && commands["sacct"] == nil ? false : accounting)
    }

    /// Whether job and step states come from Slurm's accounting records (`sacct`): as asked
    /// at creation, else whether Slurm keeps them (`scontrol show config` names an
    /// `AccountingStorageType` other than none, and `sacct` is installed), asked once it
    /// answers (a busy controller is asked up to three times; with no answer, `false` this
    /// time and asked again next time).
    public var usesAccounting: Bool {
        if let known = accounting.withLock({ $0 }) { return known }
        for attempt in 0..<3 {
            if attempt > 0 { Experiment.pause(.milliseconds(100)) }
            guard let result = try? SlurmCommand(executable: commands["scontrol"]!, arguments: ["show", "config"],
                                                 environment: environment).run(), result.succeeded else { continue }
            let found = Self.accountingConfigured(inConfiguration: result.output)
            return accounting.withLock { known in
                if known == nil { known = found }
                return known!
            }
        }
        return false
    }

    /// Whether `scontrol show config` output names an accounting storage
    /// (`AccountingStorageType = accounting_storage/slurmdbd`; `accounting_storage/none` is none).
    static func accountingConfigured(inConfiguration output: String) -> Bool {
        for line in output.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == "AccountingStorageType" else { continue }
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            return !value.isEmpty && value != "accounting_storage/none" && value != "(null)"
        }
        return false
    }

    /// Whether Slurm answers here: its commands are installed and `sinfo` reaches the
    /// controller. Returns `nil` when it does, else why not.
    public static func unavailability(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard let sinfo = ExecutableLookup.find("sinfo", path: environment["PATH"]) else {
            return "Slurm is not installed (no sinfo in PATH)"
        }
        guard let result = try? SlurmCommand(executable: sinfo, arguments: ["-h", "-o", "%P %a"], environment: environment).run(),
              result.succeeded else {
            return "Slurm's controller does not answer (sinfo failed)"
        }
        return nil
    }

    /// The allocation's job id once steps have one (obtained or given).
    public var allocationID: String? { granted.withLock { $0?.id } }

    // MARK: - Steps

    public func launch(_ step: LaunchStep) throws(ExperimentError) -> JobID {
        let srun = SrunCommand(step: step, allocation: try allocationForSteps(), shareCPUs: shareCPUs)
        try srun.validate()
        let log = SrunCommand.srunLog(for: step)
        unlink(log.path)
        if !step.mpmd.isEmpty {
            do {
                try Data(srun.multiProgramConfiguration.utf8).write(to: SrunCommand.multiProgramFile(for: step))
            } catch {
                throw ExperimentError(.launchFailed, "cannot write the MPMD file of \(step.name): \(error)")
            }
        }
        let process = LaunchStep(
            name: step.name, executable: commands["srun"]!, arguments: srun.arguments, environment: step.environment,
            workingDirectory: step.workingDirectory, outputFile: URL(fileURLWithPath: "/dev/null"), errorFile: log,
            outlivesDriver: step.outlivesDriver)
        let localJob = try local.launch(process)

        // Wait until srun says which step it launched, or ends without one.
        let clock = ContinuousClock()
        let deadline = clock.now + startTimeout
        var pause = Duration.milliseconds(2)
        while true {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let id = SrunCommand.stepID(inLog: text) {
                let job = JobID(id)
                jobs.withLock { $0[job] = .step(Step(local: localJob)) }
                return job
            }
            if case .ended(let termination, _) = local.state(of: localJob) {
                let again = (try? String(contentsOf: log, encoding: .utf8)) ?? text
                if let id = SrunCommand.stepID(inLog: again) {
                    let job = JobID(id)
                    jobs.withLock { $0[job] = .step(Step(local: localJob)) }
                    return job
                }
                let errors = SrunCommand.errors(inLog: again)
                let words = errors.isEmpty ? Self.tail(again) : errors.joined(separator: "\n")
                throw ExperimentError(.launchFailed,
                    "Slurm did not start \(step.name) (srun ended with \(termination)): \(words)")
            }
            if clock.now >= deadline {
                local.send(.kill, to: localJob)
                throw ExperimentError(.launchFailed,
                    "Slurm did not start \(step.name) within \(startTimeout); srun said: \(Self.tail(text))")
            }
            Experiment.pause(pause)
            pause = min(pause * 2, .milliseconds(50))
        }
    }

    public func state(of job: JobID) -> LauncherJobState {
        guard let tracked = jobs.withLock({ $0[job] }) else { return .unknown }
        switch tracked {
        case .step(let step):
            return stepState(job, step)
        case .member(let member):
            return memberState(job, member)
        }
    }

    /// Who said how a job ended, once it has: `nil` while it runs.
    func endSource(of job: JobID) -> EndSource? {
        switch jobs.withLock({ $0[job] }) {
        case .step(let step)?: step.end.source
        case .member(let member)?: member.end.source
        case nil: nil
        }
    }

    public func send(_ signal: StopSignal, to job: JobID) {
        guard let tracked = jobs.withLock({ $0[job] }) else { return }
        switch tracked {
        case .step(let step):
            guard case .running = local.state(of: step.local) else { return }
            scancel(job.rawValue, signal: signal)
            if signal == .kill { local.send(.kill, to: step.local) }
        case .member(let member):
            if case .ended = memberState(job, member) { return }
            if let step = member.stepID() {
                scancel(step, signal: signal)
            } else if signal == .kill || queueState(of: member.batchJob) == .pending {
                // Not started yet: only the whole batch job can be cancelled.
                scancel(member.batchJob, signal: nil)
            }
        }
    }

    public func label(of job: JobID) -> String {
        guard let tracked = jobs.withLock({ $0[job] }) else { return job.rawValue }
        switch tracked {
        case .step: return job.rawValue
        case .member(let member): return member.stepID() ?? member.batchJob
        }
    }

    // MARK: - Batch jobs

    public func launchBatch(_ batch: BatchLaunch) throws(ExperimentError) -> [JobID] {
        let script = BatchScript(batch: batch, shareCPUs: shareCPUs)
        try script.validate()
        for step in batch.steps {
            unlink(BatchScript.exitFile(for: step).path)
            unlink(SrunCommand.srunLog(for: step).path)
        }
        do {
            try FileManager.default.createDirectory(at: batch.directory, withIntermediateDirectories: true)
            try Data(script.text.utf8).write(to: script.scriptFile)
        } catch {
            throw ExperimentError(.launchFailed, "cannot write the batch script of \(batch.name): \(error)")
        }
        var submitEnvironment = batch.environment
        if submitEnvironment["PATH"] == nil { submitEnvironment["PATH"] = environment["PATH"] }
        let result = try SlurmCommand(executable: commands["sbatch"]!, arguments: ["--parsable", script.scriptFile.path],
                                      environment: submitEnvironment).run(in: batch.directory)
        guard result.succeeded, let id = BatchScript.jobID(inParsableOutput: result.output) else {
            throw ExperimentError(.launchFailed, "Slurm refused the batch job \(batch.name): \(result.message)")
        }
        installCleanupOnce()
        if !batch.steps.allSatisfy(\.outlivesDriver) {
            _ = try SlurmJobGuard.start(jobID: id, scancel: commands["scancel"]!, local: local, environment: environment)
        }
        let ids = batch.steps.map { JobID("\(id)/\($0.name)") }
        jobs.withLock { jobs in
            for (job, step) in zip(ids, batch.steps) {
                jobs[job] = .member(Member(batchJob: id, exitFile: BatchScript.exitFile(for: step),
                                           log: SrunCommand.srunLog(for: step)))
            }
        }
        queue.withLock { $0 = nil }  // the next look sees the new job
        return ids
    }

    // MARK: - The allocation

    /// Gives back an allocation this launcher obtained (steps still in it end); does nothing
    /// for an allocation it was given. Called when the driver exits.
    public func release() {
        guard let held = granted.withLock({ granted -> Granted? in
            guard let held = granted, held.guardJob != nil else { return nil }
            granted = nil
            return held
        }) else { return }
        scancel(held.id, signal: nil)
        if let guardJob = held.guardJob { local.send(.kill, to: guardJob) }
    }

    /// The allocation steps run in, obtained now if it must be.
    private func allocationForSteps() throws(ExperimentError) -> String {
        if let id = granted.withLock({ $0?.id }) { return id }
        let request: AllocationRequest
        switch allocation {
        case .current:
            return remember(Granted(id: environment["SLURM_JOB_ID"]!, guardJob: nil))
        case .job(let id):
            return remember(Granted(id: id, guardJob: nil))
        case .automatic:
            if let id = environment["SLURM_JOB_ID"] { return remember(Granted(id: id, guardJob: nil)) }
            request = AllocationRequest()
        case .obtain(let asked):
            request = asked
        }
        return remember(try obtain(request))
    }

    private func remember(_ allocation: Granted) -> String {
        granted.withLock { granted in
            if granted == nil { granted = allocation }
            return granted!.id
        }
    }

    /// Runs `salloc --no-shell` and waits until Slurm grants the allocation; then a
    /// ``SlurmJobGuard`` ties it to the driver.
    private func obtain(_ request: AllocationRequest) throws(ExperimentError) -> Granted {
        var arguments = ["--no-shell", "--job-name=tandem-\(getpid())"]
        arguments += SlurmOptions.options(for: JobResources(nodes: request.nodes, tasks: request.tasks,
                                                            timeLimit: request.timeLimit, partition: request.partition,
                                                            account: request.account))
        arguments += request.arguments
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-salloc-\(UUID().uuidString).log")
        defer { unlink(log.path) }
        var asking = LaunchStep(
            name: "salloc", executable: commands["salloc"]!, arguments: arguments, environment: environment,
            workingDirectory: URL(fileURLWithPath: "/"), outputFile: URL(fileURLWithPath: "/dev/null"), errorFile: log)
        // Should the driver die while the request waits, salloc gets SIGTERM and withdraws it.
        asking.stopsGracefully = true
        let salloc = try local.launch(asking)
        let clock = ContinuousClock()
        let deadline = clock.now + startTimeout
        while true {
            let ended = if case .ended = local.state(of: salloc) { true } else { false }
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "Granted job allocation ") {
                let id = String(text[range.upperBound...].prefix(while: \.isNumber))
                if !id.isEmpty {
                    installCleanupOnce()
                    let guardJob = try SlurmJobGuard.start(jobID: id, scancel: commands["scancel"]!, local: local,
                                                           environment: environment)
                    return Granted(id: id, guardJob: guardJob)
                }
            }
            if ended {
                throw ExperimentError(.launchFailed, "Slurm refused the allocation: \(Self.tail(text))")
            }
            if clock.now >= deadline {
                local.send(.terminate, to: salloc)
                throw ExperimentError(.launchFailed,
                    "Slurm did not grant the allocation within \(startTimeout): \(Self.tail(text))")
            }
            Experiment.pause(.milliseconds(20))
        }
    }

    // MARK: - Asking Slurm

    /// A step runs as long as its srun; then Slurm's record says how it ended, or srun's exit
    /// code where there is none (no accounting, or no record within ``recordDelay``).
    private func stepState(_ job: JobID, _ step: Step) -> LauncherJobState {
        let state = local.state(of: step.local)
        guard case .ended(let termination, let at) = state else { return state }
        if let end = step.end.state { return end }
        guard usesAccounting else { return step.end.ended(termination, at: at, from: .srun) }
        if let recorded = accountingRecords(of: Self.jobPart(of: job.rawValue))?[job.rawValue]?.termination {
            return step.end.ended(recorded, at: at, from: .accounting)
        }
        // Not recorded as ended yet (or sacct did not answer): Slurm is still finishing the
        // step, for a while.
        if ContinuousClock.now - at < Self.recordDelay { return .running }
        return step.end.ended(termination, at: at, from: .srun)
    }

    private func memberState(_ job: JobID, _ member: Member) -> LauncherJobState {
        if let end = member.end.state { return end }
        if usesAccounting {
            // nil: sacct did not answer this time.
            let records = accountingRecords(of: member.batchJob)
            let step = member.stepID().flatMap { records?[$0] }
            if let recorded = step?.termination { return member.end.ended(recorded, at: .now, from: .accounting) }
            // Slurm's record is the answer while the member's srun runs, and for a while after
            // it ended (the record of the end follows).
            if !member.endedLocallyLongAgo(Self.recordDelay) {
                if step != nil { return .running }
                switch records?[member.batchJob] {
                case .pending?: return .pending
                case .running?: return .running
                case .ended?, nil: if member.exitCode() != nil { return .running }
                }
            }
        }
        if let code = member.exitCode() { return member.end.ended(.exited(code: code), at: .now, from: .srun) }
        switch queueState(of: member.batchJob) {
        case .pending: return .pending
        case .running: return .running
        case .ended, nil:
            // Gone from the queue: the member wrote its code before the job ended, or never ran.
            if let code = member.exitCode() { return member.end.ended(.exited(code: code), at: .now, from: .srun) }
            let result = try? SlurmCommand(executable: commands["scontrol"]!, arguments: ["show", "job", member.batchJob],
                                           environment: environment).run()
            let final = result.flatMap { $0.succeeded ? SlurmJobState.parseJob($0.output) : nil }
            switch final {
            case .pending?: return .pending
            case .running?: return .running
            case .ended(_, _, let signal?)? where signal > 0:
                return member.end.ended(.signalled(signal: signal), at: .now, from: .controller)
            default: return member.end.ended(.signalled(signal: SIGKILL), at: .now, from: .controller)
            }
        }
    }

    /// The job of a `<job>.<step>` id.
    private static func jobPart(of id: String) -> String {
        String(id.prefix { $0 != "." })
    }

    /// Slurm's accounting records of `job` and its steps (`sacct`), id → state, from a snapshot
    /// at most ``queueInterval`` old; `nil` when `sacct` does not answer.
    private func accountingRecords(of job: String) -> [String: SlurmJobState]? {
        let clock = ContinuousClock()
        if let snapshot = records.withLock({ $0[job] }), clock.now - snapshot.at < queueInterval { return snapshot.states }
        guard let sacct = commands["sacct"],
              let result = try? SlurmCommand(executable: sacct, arguments: ["-P", "-n", "-j", job, "--format=JobID,State,ExitCode"],
                                             environment: environment).run(),
              result.succeeded else { return nil }
        let states = SlurmJobState.parseAccounting(result.output)
        records.withLock { $0[job] = (clock.now, states) }
        return states
    }

    /// The batch job's state in a recent `squeue` snapshot; `nil` when it is not queued.
    private func queueState(of batchJob: String) -> SlurmJobState? {
        let clock = ContinuousClock()
        return queue.withLock { cached -> SlurmJobState? in
            if let snapshot = cached, clock.now - snapshot.at < queueInterval { return snapshot.states[batchJob] }
            let result = try? SlurmCommand(executable: commands["squeue"]!, arguments: ["-h", "--me", "-o", "%i|%T"],
                                           environment: environment).run()
            guard let result, result.succeeded else { return cached?.states[batchJob] ?? .running }
            cached = (clock.now, SlurmJobState.parseQueue(result.output))
            return cached!.states[batchJob]
        }
    }

    /// `terminate` sends SIGTERM to the tasks (`scancel --signal=TERM`), which may end as they
    /// please; `kill` sends SIGKILL.
    /// `signal` `nil` cancels a whole job (pending or not) as `scancel <job>` does.
    private func scancel(_ id: String, signal: StopSignal?) {
        let arguments: [String] = switch signal {
        case .terminate?: ["--signal=TERM", id]
        case .kill?: ["--signal=KILL", id]
        case nil: [id]
        }
        _ = try? SlurmCommand(executable: commands["scancel"]!, arguments: arguments, environment: environment).run()
    }

    /// On the driver's exit, cancels batch jobs still in the queue and gives back an
    /// obtained allocation.
    private func installCleanupOnce() {
        let first = cleanupInstalled.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        ProcessGroupRegistry.shared.addExitHandler { [weak self] in
            guard let self else { return }
            let unfinished = self.jobs.withLock { jobs in
                Set(jobs.compactMap { job, tracked -> String? in
                    if case .member(let member) = tracked, member.end.state == nil, member.exitCode() == nil {
                        return member.batchJob
                    }
                    return nil
                })
            }
            for batchJob in unfinished.sorted() { self.scancel(batchJob, signal: nil) }
            self.release()
        }
    }

    private static func tail(_ text: String) -> String {
        let lines = text.split(separator: "\n").suffix(6).joined(separator: "\n")
        return lines.isEmpty ? "(nothing)" : lines
    }

    // MARK: - What the launcher tracks

    private enum Tracked: Sendable {
        /// A step run by a local srun.
        case step(Step)
        /// A member of a batch job.
        case member(Member)
    }

    /// Who said how a job ended.
    enum EndSource: Sendable, Equatable {
        /// Slurm's accounting records (`sacct`).
        case accounting
        /// srun's exit code: a step's srun, or a member's `.exit` file.
        case srun
        /// The controller's view of the batch job (`scontrol show job`): the member never ended by itself.
        case controller
    }

    /// A job's end once seen: the first one recorded wins.
    private final class End: Sendable {
        private let value = Mutex<(termination: Termination, at: ContinuousClock.Instant, source: EndSource)?>(nil)

        /// The ended state, once recorded.
        var state: LauncherJobState? { value.withLock { $0.map { .ended($0.termination, at: $0.at) } } }
        /// Who said how it ended, once recorded.
        var source: EndSource? { value.withLock { $0?.source } }

        /// Records the end (unless one is already) and returns it as a state.
        func ended(_ termination: Termination, at: ContinuousClock.Instant, from source: EndSource) -> LauncherJobState {
            let end = value.withLock { value in
                if value == nil { value = (termination, at, source) }
                return value!
            }
            return .ended(end.termination, at: end.at)
        }
    }

    /// A step: its local srun, and its end once seen.
    private final class Step: Sendable {
        let local: JobID
        let end = End()

        init(local: JobID) { self.local = local }
    }

    private struct Granted: Sendable {
        var id: String
        /// The guard that cancels an obtained allocation should the driver die; `nil` for one given.
        var guardJob: JobID?
    }

    /// A member of a batch job: its files, and its end once seen.
    private final class Member: Sendable {
        let batchJob: String
        let exitFile: URL
        let log: URL
        let end = End()
        private let step = Mutex<String?>(nil)
        private let exitSeen = Mutex<ContinuousClock.Instant?>(nil)

        init(batchJob: String, exitFile: URL, log: URL) {
            self.batchJob = batchJob
            self.exitFile = exitFile
            self.log = log
        }

        /// Whether the member's srun ended (its `.exit` file appeared) longer than `delay` ago.
        func endedLocallyLongAgo(_ delay: Duration) -> Bool {
            if let seen = exitSeen.withLock({ $0 }) { return ContinuousClock.now - seen >= delay }
            guard exitCode() != nil else { return false }
            exitSeen.withLock { if $0 == nil { $0 = .now } }
            return false
        }

        /// The code the script wrote when the member's srun ended.
        func exitCode() -> Int32? {
            guard let text = try? String(contentsOf: exitFile, encoding: .utf8) else { return nil }
            return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }

        /// The member's `<job>.<step>` id, once its srun has launched it.
        func stepID() -> String? {
            if let known = step.withLock({ $0 }) { return known }
            guard let text = try? String(contentsOf: log, encoding: .utf8), let id = SrunCommand.stepID(inLog: text) else {
                return nil
            }
            step.withLock { $0 = id }
            return id
        }
    }
}
