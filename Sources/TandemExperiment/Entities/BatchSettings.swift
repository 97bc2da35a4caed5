/// How to submit an entity as one batch job (`sbatch`): the allocation the job asks for and
/// the lines run before its programs.
///
/// An ensemble with batch settings is one batch job: its script starts every member as a
/// step (`srun … &`, each with the member's own run settings) and waits for them all. A
/// launcher without batch jobs (the local one) runs each member as it would without them.
///
/// ```swift
/// var ensemble = experiment.createEnsemble("fd_simulation", runSettings: simulation, replicas: 4)
/// ensemble.batchSettings = BatchSettings(nodes: 2, timeLimit: .seconds(3600), partition: "batch")
/// ```
public struct BatchSettings: Sendable, Hashable {
    /// Nodes (`#SBATCH --nodes`).
    public var nodes: Int?
    /// Tasks (`#SBATCH --ntasks`).
    public var tasks: Int?
    /// CPUs of each task (`#SBATCH --cpus-per-task`).
    public var cpusPerTask: Int?
    /// Wall-clock limit of the whole job (`#SBATCH --time`, rounded up to whole seconds).
    public var timeLimit: Duration?
    /// The partition (`#SBATCH --partition`).
    public var partition: String?
    /// The account charged (`#SBATCH --account`).
    public var account: String?
    /// The nodes to run on (`#SBATCH --nodelist`).
    public var nodeList: [String] = []
    /// Shell lines run before the members start (`module load …`, `export …`).
    public var preamble: [String] = []
    /// More `#SBATCH` options as they are (`["--mem=4G", "--qos=debug"]`).
    public var batchArguments: [String] = []

    /// Creates batch settings; every argument left out keeps Slurm's default.
    public init(nodes: Int? = nil, tasks: Int? = nil, cpusPerTask: Int? = nil, timeLimit: Duration? = nil,
                partition: String? = nil, account: String? = nil, nodeList: [String] = [],
                preamble: [String] = [], batchArguments: [String] = []) {
        self.nodes = nodes
        self.tasks = tasks
        self.cpusPerTask = cpusPerTask
        self.timeLimit = timeLimit
        self.partition = partition
        self.account = account
        self.nodeList = nodeList
        self.preamble = preamble
        self.batchArguments = batchArguments
    }

    /// The same allocation as ``JobResources``, for checking and option building.
    var resources: JobResources {
        JobResources(nodes: nodes, tasks: tasks, cpusPerTask: cpusPerTask, timeLimit: timeLimit,
                     partition: partition, account: account, nodeList: nodeList, launcherArguments: batchArguments)
    }
}
