import ArgumentParser
import TandemNN
import TandemTensor

/// `tandem-bench infer`: DiffusionResNet inference latency and throughput.
struct InferBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "TandemNN inference: DiffusionResNet forward passes at batch 50 and 1.")

    @Flag(help: "Run a short version of every case.") var quick = false
    @Option(help: "Network depth.") var depth = 4
    @Option(help: "Grid size.") var size = 64
    @Option(help: "Threads (default: all processors).") var threads = ComputePool.processorCount
    @Option(help: "Samples per inference task.") var group = 2

    func run() throws {
        let model = DiffusionResNet<Float>(depth: depth, channels: 1, seed: 1)
        let predictor = Predictor(model: model, threads: threads, groupSize: group)
        var generator = SeededGenerator(seed: 2)
        for batch in [50, 1] {
            let count = batch * size * size
            let inputs = FeatureMap<Float>(nhwc: (0..<count).map { _ in Float.random(in: 0...1, using: &generator) }, shape: [batch, size, size, 1])
            let ms = measure(warmup: quick ? 3 : 20, repeats: quick ? 10 : (batch == 1 ? 500 : 100)) {
                _ = predictor.predict(inputs)
            }
            printJSON(["bench": "infer", "case": "batch\(batch)", "depth": depth, "size": size, "batch": batch, "threads": threads, "group": group,
                       "median_ms": ms, "per_s": Double(batch) / ms * 1000])
        }
    }
}
