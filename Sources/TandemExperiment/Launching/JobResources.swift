/// What a job asks of a workload manager: nodes, tasks, CPUs, time and where to run.
///
/// The Slurm launcher turns these into `srun` options (``SlurmLauncher``); the local launcher
/// runs one process on this machine and ignores them. Every field is optional: `nil` (or
/// empty) leaves Slurm's default.
///
/// ```swift
/// var settings = RunSettings(executable: "fd-sim")
/// settings.resources.tasks = 4
/// settings.resources.cpusPerTask = 2
/// settings.resources.timeLimit = .seconds(600)
/// ```
public struct JobResources: Sendable, Hashable {
    /// Nodes (`--nodes`).
    public var nodes: Int?
    /// Tasks, that is processes (`--ntasks`).
    public var tasks: Int?
    /// Tasks on each node (`--ntasks-per-node`).
    public var tasksPerNode: Int?
    /// CPUs of each task (`--cpus-per-task`).
    public var cpusPerTask: Int?
    /// Wall-clock limit (`--time`, rounded up to whole seconds).
    public var timeLimit: Duration?
    /// The partition (`--partition`); for a step inside an allocation, the allocation's.
    public var partition: String?
    /// The account charged (`--account`).
    public var account: String?
    /// The nodes to run on (`--nodelist`), by name.
    public var nodeList: [String] = []
    /// More options passed to the launcher as they are (`["--mem=2G", "--exclusive"]`).
    public var launcherArguments: [String] = []

    /// Creates resources; every argument left out keeps the workload manager's default.
    public init(nodes: Int? = nil, tasks: Int? = nil, tasksPerNode: Int? = nil, cpusPerTask: Int? = nil,
                timeLimit: Duration? = nil, partition: String? = nil, account: String? = nil,
                nodeList: [String] = [], launcherArguments: [String] = []) {
        self.nodes = nodes
        self.tasks = tasks
        self.tasksPerNode = tasksPerNode
        self.cpusPerTask = cpusPerTask
        self.timeLimit = timeLimit
        self.partition = partition
        self.account = account
        self.nodeList = nodeList
        self.launcherArguments = launcherArguments
    }

    /// Checks the counts: each given count must be at least 1 and a time limit positive.
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/invalidDeclaration`` naming the field.
    func validate(for job: String) throws(ExperimentError) {
        let counts: [(String, Int?)] = [("nodes", nodes), ("tasks", tasks), ("tasksPerNode", tasksPerNode),
                                        ("cpusPerTask", cpusPerTask)]
        for (field, value) in counts {
            if let value, value < 1 {
                throw ExperimentError(.invalidDeclaration, "\(job): \(field) must be at least 1, got \(value)")
            }
        }
        if let timeLimit, timeLimit <= .zero {
            throw ExperimentError(.invalidDeclaration, "\(job): the time limit must be positive, got \(timeLimit)")
        }
    }
}
