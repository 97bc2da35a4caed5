import Foundation
import TandemNN

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
    /// The database's port on the loopback interface.
    public var port = 6780
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

    /// A message for the first option out of range, or `nil` when all are usable.
    public func problem() -> String? {
        if replicas < 1 { return "--replicas must be at least 1" }
        if steps < 1 { return "--steps must be at least 1" }
        if !(8...1024).contains(size) { return "--size must be between 8 and 1024" }
        if depth < 1 || (1 << depth) > size { return "--depth must be between 1 and log2(--size) (\(Int(log2(Double(size)))))" }
        if !(1...64).contains(width) { return "--width must be between 1 and 64" }
        if epochs < 1 { return "--epochs must be at least 1" }
        if checkpointEvery < 1 { return "--checkpoint-every must be at least 1" }
        if !(1...65535).contains(port) { return "--port must be between 1 and 65535" }
        if testCases < 1 { return "--test-cases must be at least 1" }
        return nil
    }
}
