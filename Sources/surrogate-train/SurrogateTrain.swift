import ArgumentParser
import Foundation
import TandemClient
import TandemML
import TandemNN
import TandemONNX
import TandemTensor
import TandemWorkflow

/// The trainer of the online-training workflow: trains the chosen network (`--network`:
/// the tutorial's `DiffusionResNet` by default, or `HeatUNet`) on the batches the
/// simulations upload, fetching new ones after every epoch, and every `--checkpoint-every`
/// epochs stores the network in the database as the ONNX model `⟨Network⟩_⟨depth⟩_⟨k⟩`
/// (`DiffusionResNet_4_0`, `HeatUNet_4_0`, …), where the driver runs it.
///
/// The database comes from `SSDB`; the simulations it reads from come from `SSKEYIN`.
@main
struct SurrogateTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surrogate-train",
        abstract: "Train the heat-diffusion surrogate on data staged in the database.")

    @Option(help: "The network: the tutorial's DiffusionResNet, or HeatUNet (multi-scale, boundary and sources exact).")
    var network = SurrogateNetwork.diffusionResNet

    @Option(help: "Halvings of the grid: DiffusionResNet's residual blocks in the encoder (and the decoder), HeatUNet's levels.")
    var depth = 4

    @Option(help: "HeatUNet's channels at full resolution (doubling per level up to 4×).")
    var width = SurrogateNetwork.defaultWidth

    @Option(help: "Training epochs.")
    var epochs = 40

    @Option(help: "Samples per mini-batch (default: 50 for diffusion-resnet, 4 for heat-unet).")
    var batch: Int?

    @Option(name: .customLong("learning-rate"), help: "Initial learning rate (default 0.01 for diffusion-resnet, decaying ×0.9 every 80 steps; 0.003 for heat-unet, decaying smoothly ×50 over the epochs).")
    var learningRate: Double?

    @Option(name: .customLong("checkpoint-every"), help: "Epochs between checkpoints stored in the database.")
    var checkpointEvery = 10

    @OptionGroup var grid: GridOptions

    @Option(name: .customLong("wait-seconds"), help: "How long to wait for the first batch.")
    var waitSeconds = 300.0

    func validate() throws {
        let bounds = [OptionBound("--epochs", 1...100_000, epochs), OptionBound("--batch", 1...100_000, batchSize),
                      OptionBound("--checkpoint-every", 1...100_000, checkpointEvery), OptionBound("--width", 1...64, width)]
        if let problem = OptionBound.firstViolation(bounds) { throw ValidationError(problem) }
        if let problem = SurrogateNetwork.depthProblem(depth: depth, size: grid.size) { throw ValidationError(problem) }
        guard waitSeconds.isFinite, (0...86_400).contains(waitSeconds) else { throw ValidationError("--wait-seconds must be 0…86400") }
        guard initialLearningRate > 0, initialLearningRate.isFinite else { throw ValidationError("--learning-rate must be positive") }
    }

    /// The mini-batch size: `--batch` or the network's default.
    var batchSize: Int { batch ?? network.defaultBatch }
    /// The initial learning rate: `--learning-rate` or the network's default.
    var initialLearningRate: Double { learningRate ?? network.defaultLearningRate }

    func run() throws {
        let client: Client
        do {
            client = try Client()
        } catch {
            FileHandle.standardError.write(Data("surrogate-train: cannot reach the database: \(error)\n".utf8))
            throw ExitCode.failure
        }
        var session = TrainingSession(client: client, options: self)
        try session.run()
    }
}

extension SurrogateNetwork: ExpressibleByArgument {}
