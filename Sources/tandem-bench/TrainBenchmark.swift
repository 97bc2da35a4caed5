import ArgumentParser
import TandemNN
import TandemTensor

/// `tandem-bench train`: DiffusionResNet training speed (and, with the solver, accuracy).
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "TandemNN training: samples per second of DiffusionResNet updates.")

    @Flag(help: "Run a short version of every case.") var quick = false
    @Option(help: "Network depth.") var depth = 4
    @Option(help: "Grid size.") var size = 64
    @Option(help: "Batch size.") var batch = 50
    @Option(help: "Threads (default: all processors).") var threads = ComputePool.processorCount

    func run() throws {
        let model = DiffusionResNet<Float>(depth: depth, channels: 1, seed: 1)
        let trainer = Trainer(model: model, optimizer: Adam(schedule: .exponentialDecay(initial: 0.01, decaySteps: 80, rate: 0.9, staircase: true)),
                              loss: .meanAbsoluteError, threads: threads)
        var generator = SeededGenerator(seed: 2)
        let count = batch * size * size
        let inputs = FeatureMap<Float>(nhwc: (0..<count).map { _ in Float.random(in: 0...1, using: &generator) }, shape: [batch, size, size, 1])
        let targets = FeatureMap<Float>(nhwc: (0..<count).map { _ in Float.random(in: 0...1, using: &generator) }, shape: [batch, size, size, 1])
        let ms = measure(warmup: quick ? 2 : 10, repeats: quick ? 5 : 40) {
            trainer.step(inputs: inputs, targets: targets)
        }
        printJSON(["bench": "train", "case": "throughput", "depth": depth, "size": size, "batch": batch, "threads": threads,
                   "median_ms": ms, "per_s": Double(batch) / ms * 1000])
    }
}
