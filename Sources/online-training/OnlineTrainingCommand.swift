import ArgumentParser
import Foundation
import OnlineTraining
import TandemNN
import TandemWorkflow

/// `online-training`: the tutorial's whole workflow in one command (see ``OnlineTrainingRun``).
@main
struct OnlineTrainingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "online-training",
        abstract: "Train a heat-diffusion surrogate online: simulations stream into the database while a network trains on them.",
        discussion: """
            Starts the orchestrator (redis-server with the TandemAI module), an ensemble of fd-sim \
            simulations and surrogate-train, draws the checkpoints' predictions (run in the database) \
            as they come, measures the final model on fresh simulations, and writes report.html and \
            summary.json in --output. fd-sim and surrogate-train are taken from this program's folder. \
            Ctrl-C stops every process and leaves a report of what was done.
            """)

    @Option(help: "Members of the fd_simulation ensemble.")
    var replicas = 2

    @Option(help: "Simulations per member.")
    var steps = 100

    @Option(help: "The network trained: the tutorial's DiffusionResNet, or HeatUNet, a multi-scale network with a test error about 30 times smaller, trained online within a minute.")
    var network = SurrogateNetwork.diffusionResNet

    @Option(help: "Halvings of the grid: depth of DiffusionResNet, levels of HeatUNet.")
    var depth = 4

    @Option(help: "HeatUNet's channels at full resolution.")
    var width = SurrogateNetwork.defaultWidth

    @Option(help: "Training epochs (default: 40 for diffusion-resnet, 10 for heat-unet).")
    var epochs: Int?

    @Option(name: .customLong("checkpoint-every"), help: "Epochs between checkpoints (default: 10 for diffusion-resnet, 2 for heat-unet).")
    var checkpointEvery: Int?

    @Option(help: "The database's port; the nodes of a sharded database take the next ports.")
    var port = 6780

    @Option(name: .customLong("db-interface"), help: "The network interface the database binds (lo); any other gets a password made for the run. With Slurm, each node binds this interface of its own host.")
    var databaseInterface = "lo"

    @Option(name: .customLong("db-nodes"), help: "The database's shards: 1 for one server, or 3 and more for a Redis Cluster.")
    var databaseNodes = 1

    @Option(name: .customLong("db-replicas"), help: "Replicas of every shard (a replica takes over when its master fails).")
    var databaseReplicas = 0

    @Option(help: "Folder for the pictures, the report and the experiment's files.")
    var output = "output/online-training"

    @OptionGroup var grid: GridOptions

    @Option(help: "The TandemAI module (libTandemAI.so); TANDEM_MODULE_PATH when omitted.")
    var module: String?

    @Option(name: .customLong("test-cases"), help: "Fresh simulations the final model is measured on.")
    var testCases = 100

    @Option(help: "How the database, the simulations and the trainer run: local (child processes) or slurm (job steps in the current allocation, else in one obtained for the run).")
    var launcher = WorkflowLauncher.local

    @Option(name: .customLong("slurm-nodes"), help: "With --launcher slurm outside an allocation: the nodes of the allocation obtained for the run.")
    var slurmNodes = 1

    @Option(name: .customLong("slurm-partition"), help: "With --launcher slurm outside an allocation: the partition of the allocation obtained (Slurm's default one if omitted).")
    var slurmPartition: String?

    var options: WorkflowOptions {
        var options = WorkflowOptions()
        options.replicas = replicas
        options.steps = steps
        options.size = grid.size
        options.network = network
        options.depth = depth
        options.width = width
        options.epochs = epochs ?? network.defaultEpochs
        options.checkpointEvery = checkpointEvery ?? network.defaultCheckpointEvery
        options.port = port
        options.databaseNodes = databaseNodes
        options.databaseReplicas = databaseReplicas
        options.output = URL(fileURLWithPath: output)
        options.seed = grid.seed
        options.modulePath = module
        options.testCases = testCases
        options.launcher = launcher
        options.databaseInterface = databaseInterface
        options.slurmNodes = slurmNodes
        options.slurmPartition = slurmPartition
        return options
    }

    func validate() throws {
        if let problem = options.problem() { throw ValidationError(problem) }
    }

    func run() throws {
        let programs: Programs
        let run: OnlineTrainingRun
        do {
            programs = try Programs.find()
            run = try OnlineTrainingRun(options: options, programs: programs)
        } catch {
            FileHandle.standardError.write(Data("online-training: \(error)\n".utf8))
            throw ExitCode.failure
        }
        guard run.run() else { throw ExitCode.failure }
    }
}

extension SurrogateNetwork: ExpressibleByArgument {}
extension WorkflowLauncher: ExpressibleByArgument {}
