import Foundation
import HeatDiffusion
import TandemNN
import TandemWorkflow

/// How the workflow's processes are launched.
public enum WorkflowLauncher: String, Sendable, Equatable, CaseIterable {
    /// Child processes of the driver, on this machine.
    case local
    /// Slurm job steps: in the current allocation (`SLURM_JOB_ID`), else in one obtained for the run.
    case slurm
}

/// Everything that shapes one run of the online-training workflow, with the tutorial's
/// defaults, and what follows from it (which epochs store checkpoints, how many simulations
/// are drawn, how large a training batch is).
public struct WorkflowOptions: Sendable, Equatable {
    /// Members of the `fd_simulation` ensemble.
    public var replicas = 2
    /// Simulations per member.
    public var steps = 100
    /// Grid points per side.
    public var size = 64
    /// The network trained (the tutorial's `DiffusionResNet` by default).
    public var network = SurrogateNetwork.diffusionResNet
    /// Halvings of the grid: residual blocks in the encoder (and decoder) of `DiffusionResNet`,
    /// levels of `HeatUNet`.
    public var depth = 4
    /// `HeatUNet`'s channels at full resolution.
    public var width = SurrogateNetwork.defaultWidth
    /// Training epochs.
    public var epochs = 40
    /// Epochs between checkpoints stored in the database.
    public var checkpointEvery = 10
    /// The database's port (its first node's; further nodes take the next ports).
    public var port = 6780
    /// The network interface the database binds (`lo` by default). Any other is given a
    /// password, made for the run; with Slurm, each node binds the interface of its own host.
    public var databaseInterface = "lo"
    /// The database's shards: 1 for one server, or 3 and more for a Redis Cluster.
    public var databaseNodes = 1
    /// Replicas of every shard of a sharded database (a replica takes over a failed master).
    public var databaseReplicas = 0
    /// Where the pictures, the report and the experiment's files go.
    public var output = URL(fileURLWithPath: "output/online-training")
    /// Seed of every random choice (simulations, samples drawn, training); drawn when `nil`.
    public var seed: UInt64?
    /// The TandemAI module; `TANDEM_MODULE_PATH` when `nil`.
    public var modulePath: String?
    /// Fresh simulations the final model is measured on.
    public var testCases = 100
    /// Simulations drawn at the start, before anything is launched.
    public var introductionCases = 3
    /// How the database, the simulations and the trainer are launched.
    public var launcher = WorkflowLauncher.local
    /// With Slurm and no current allocation: the nodes of the one obtained for the run.
    public var slurmNodes = 1
    /// With Slurm and no current allocation: the partition of the one obtained (the default one when `nil`).
    public var slurmPartition: String?

    /// The defaults.
    public init() {}

    /// The largest number of simulations in one training batch (each uploaded ×8 augmented);
    /// a member with fewer steps uploads one batch of all of them.
    public static let simulationsPerBatch = 50

    /// Simulations per training batch as passed to `fd-sim --batch`.
    public var simulationBatch: Int { min(Self.simulationsPerBatch, steps) }

    /// How many simulations of member 0 are drawn and used as the model's inputs (5, or
    /// fewer when there are fewer steps).
    public var sampleCount: Int { min(5, steps) }

    /// The samples are drawn among the first `samplePool` simulations of member 0: the
    /// first fifth of the steps, as the tutorial, or more when that holds too few.
    public var samplePool: Int { min(steps, max(steps / 5, sampleCount)) }

    /// The epochs after which `surrogate-train` stores a checkpoint, in order: every
    /// `checkpointEvery`-th, or the last one when `epochs < checkpointEvery`. Checkpoint
    /// `k` is `⟨Network⟩_{depth}_{k}` (`DiffusionResNet_4_0`, `HeatUNet_4_0`, …).
    public var checkpointEpochs: [Int] {
        let every = Array(stride(from: checkpointEvery, through: epochs, by: checkpointEvery))
        return every.isEmpty ? [epochs] : every
    }

    /// The database key of checkpoint `index`.
    public func checkpointName(_ index: Int) -> String { network.checkpointName(depth: depth, index: index) }

    /// The trained network's architecture, e.g. `HeatUNet(levels: 4, width: 8)`.
    public var architecture: String { network.architecture(depth: depth, width: width) }

    /// The trained network's number of parameters.
    public var parameterCount: Int { network.parameterCount(depth: depth, width: width) }

    /// The trainer's options that choose and size the network.
    public var networkArguments: [String] { ["--network=\(network.rawValue)", "--depth=\(depth)", "--width=\(width)"] }

    /// The bounds of the count options: far above any useful run, low enough that a typo is
    /// refused at once instead of allocating for minutes.
    public var bounds: [OptionBound] {
        [OptionBound("--replicas", 1...256, replicas), OptionBound("--steps", 1...100_000, steps),
         OptionBound("--size", HeatProblem.sizes, size), OptionBound("--width", 1...64, width),
         OptionBound("--epochs", 1...100_000, epochs), OptionBound("--checkpoint-every", 1...100_000, checkpointEvery),
         OptionBound("--port", 1...65535, port), OptionBound("--test-cases", 1...100_000, testCases),
         OptionBound("--db-nodes", 1...64, databaseNodes), OptionBound("--db-replicas", 0...4, databaseReplicas),
         OptionBound("--slurm-nodes", 1...4096, slurmNodes)]
    }

    /// A message for the first option out of range, or `nil` when all are usable.
    public func problem() -> String? {
        if let problem = OptionBound.firstViolation(bounds) ?? SurrogateNetwork.depthProblem(depth: depth, size: size) {
            return problem
        }
        if databaseNodes == 2 {
            return "--db-nodes 2 is refused, as SmartSim refuses it: a cluster of two masters cannot agree on a failed one; use 1, or 3 and more"
        }
        if databaseReplicas > 0 && databaseNodes == 1 { return "--db-replicas needs a sharded database: --db-nodes 3 or more" }
        if launcher != .slurm && (slurmNodes != 1 || slurmPartition != nil) {
            return "--slurm-nodes and --slurm-partition need --launcher slurm"
        }
        return nil
    }
}
