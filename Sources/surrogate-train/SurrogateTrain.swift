import ArgumentParser
import Foundation
import TandemClient
import TandemML
import TandemNN
import TandemONNX
import TandemTensor

/// The trainer of the online-training workflow: trains `DiffusionResNet` on the batches
/// the simulations upload, fetching new ones after every epoch, and every
/// `--checkpoint-every` epochs stores the network in the database as the ONNX model
/// `DiffusionResNet_⟨depth⟩_⟨k⟩`, where the driver runs it.
///
/// The database comes from `SSDB`; the simulations it reads from come from `SSKEYIN`.
@main
struct SurrogateTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surrogate-train",
        abstract: "Train the heat-diffusion surrogate on data staged in the database.")

    @Option(help: "Residual blocks in the encoder (and the decoder).")
    var depth = 4

    @Option(help: "Training epochs.")
    var epochs = 40

    @Option(help: "Grid points per side of the samples.")
    var size = 64

    @Option(help: "Samples per mini-batch.")
    var batch = 50

    @Option(name: .customLong("learning-rate"), help: "Initial learning rate (decays ×0.9 every 80 steps).")
    var learningRate = 0.01

    @Option(name: .customLong("checkpoint-every"), help: "Epochs between checkpoints stored in the database.")
    var checkpointEvery = 10

    @Option(help: "Seed for initialisation, dropout and shuffling (random when omitted).")
    var seed: UInt64?

    @Option(name: .customLong("wait-seconds"), help: "How long to wait for the first batch.")
    var waitSeconds = 300.0

    func validate() throws {
        guard (2...4096).contains(size) else { throw ValidationError("--size must be 2…4096") }
        guard (1...30).contains(depth), (1 << depth) <= size else { throw ValidationError("--depth must be between 1 and log2(--size)") }
        guard (1...100_000).contains(epochs) else { throw ValidationError("--epochs must be 1…100000") }
        guard (1...100_000).contains(batch) else { throw ValidationError("--batch must be 1…100000") }
        guard (1...100_000).contains(checkpointEvery) else { throw ValidationError("--checkpoint-every must be 1…100000") }
        guard waitSeconds.isFinite, (0...86_400).contains(waitSeconds) else { throw ValidationError("--wait-seconds must be 0…86400") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive") }
    }

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

/// The keys the trainer publishes besides its checkpoints, for a driver to plot live.
public enum TrainingKeys {
    /// Tensor of float64: the mean training loss of every finished epoch.
    public static let lossHistory = "training_loss"
    /// Tensor of float64: the learning rate at the end of every finished epoch.
    public static let learningRateHistory = "training_learning_rate"

    /// The name of checkpoint `k` of a network of `depth`.
    public static func checkpoint(depth: Int, index: Int) -> String { "DiffusionResNet_\(depth)_\(index)" }
}
