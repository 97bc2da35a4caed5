import ArgumentParser
import Foundation
import OnlineTraining
import TandemNN

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

    @Option(help: "Grid points per side.")
    var size = 64

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

    @Option(help: "The database's port (loopback interface).")
    var port = 6780

    @Option(help: "Folder for the pictures, the report and the experiment's files.")
    var output = "output/online-training"

    @Option(help: "Seed of every random choice (drawn when omitted; the report records it).")
    var seed: UInt64?

    @Option(help: "The TandemAI module (libTandemAI.so); TANDEM_MODULE_PATH when omitted.")
    var module: String?

    @Option(name: .customLong("test-cases"), help: "Fresh simulations the final model is measured on.")
    var testCases = 100

    @Option(help: "How the database, the simulations and the trainer run: local (child processes) or slurm (job steps in the current allocation, else in one obtained for the run).")
    var launcher = WorkflowLauncher.local

    var options: WorkflowOptions {
        var options = WorkflowOptions()
        options.replicas = replicas
        options.steps = steps
        options.size = size
        options.network = network
        options.depth = depth
        options.width = width
        options.epochs = epochs ?? network.defaultEpochs
        options.checkpointEvery = checkpointEvery ?? network.defaultCheckpointEvery
        options.port = port
        options.output = URL(fileURLWithPath: output)
        options.seed = seed
        options.modulePath = module
        options.testCases = testCases
        options.launcher = launcher
        return options
    }

    /// Upper bounds of the count options: far above any useful run, low enough that a typo
    /// is refused at once instead of allocating for minutes.
    var bounds: [(name: String, range: ClosedRange<Int>, value: Int)] {
        [("--replicas", 1...256, replicas), ("--steps", 1...100_000, steps), ("--size", 8...1024, size),
         ("--depth", 1...10, depth), ("--width", 1...64, width), ("--epochs", 1...100_000, options.epochs),
         ("--checkpoint-every", 1...100_000, options.checkpointEvery), ("--port", 1...65535, port),
         ("--test-cases", 1...100_000, testCases)]
    }

    func validate() throws {
        for bound in bounds where !bound.range.contains(bound.value) {
            throw ValidationError("\(bound.name) must be \(bound.range.lowerBound)…\(bound.range.upperBound), got \(bound.value)")
        }
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
