extension JobRecord {
    func report(at now: ContinuousClock.Instant) -> JobReport {
        JobReport(name: name, entityType: entityType, jobID: jobID?.rawValue ?? "", runID: runID,
                  elapsed: lifecycle.elapsed(at: now), status: lifecycle.status, termination: lifecycle.termination)
    }
}

/// One run of one job, as the summary shows it.
public struct JobReport: Sendable, Hashable {
    /// The job's name (a model, an ensemble member, a database node).
    public var name: String
    /// `Model` or `DBNode`, as in SmartSim's summary.
    public var entityType: String
    /// The launcher's job id (the process id for the local launcher).
    public var jobID: String
    /// 0 for the first run of this job, then 1, 2, … for each restart.
    public var runID: Int
    /// Time from launch to end (or until now while running).
    public var elapsed: Duration
    /// Where it stands.
    public var status: JobStatus
    /// How it ended, once it has.
    public var termination: Termination?

    /// The exit code, or minus the signal number; `nil` while running.
    public var returnCode: Int32? { termination?.returnCode }
}
