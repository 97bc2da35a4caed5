import ArgumentParser
import TandemNN
import TandemTensor

/// `tandem-bench infer`: DiffusionResNet inference throughput at batch 50 and latency at batch 1.
struct InferBenchmark: BenchmarkArea {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "TandemNN inference: DiffusionResNet forward passes at batch 50 and 1.")

    @OptionGroup var options: BenchmarkOptions
    @Option(help: "Network depth.") var depth = 4
    @Option(help: "Grid size.") var size = 64
    @Option(help: "Threads (default: all processors).") var threads = ComputePool.processorCount
    @Option(help: "Samples per inference task.") var group = 4
    @Option(help: "Cases to run: model, kernels (direct vs im2col+GEMM per convolution).") var cases: [String] = ["model", "kernels"]

    func run() throws {
        if cases.contains("model") { modelCases() }
        if cases.contains("kernels") { ConvKernelBenchmark.run(batch: 50, quick: options.quick) }
    }

    func modelCases() {
        let model = DiffusionResNet<Float>(depth: depth, channels: 1, seed: 1)
        let predictor = Predictor(model: model, threads: threads, groupSize: group)
        var generator = SeededGenerator(seed: 2)
        // Reference figures, not measured in this run: PyTorch 2.x CPU, 2 threads, on an Intel Xeon machine.
        for (batch, peer) in [(50, 2_400.0), (1, 590.0)] {
            let count = batch * size * size
            let inputs = FeatureMap<Float>(nhwc: (0..<count).map { _ in Float.random(in: 0...1, using: &generator) }, shape: [batch, size, size, 1])
            let ms = measureMedian(warmup: options.quick ? 3 : 20, repeats: (options.quick ? 2 : 20) * (batch == 1 ? 50 : 5)) {
                _ = predictor.predict(inputs)
            }
            BenchmarkRecord(bench: "infer", case: "batch\(batch)", [
                "depth": depth, "size": size, "batch": batch, "kernels": KernelSet.active.rawValue, "threads": threads, "group": group,
                "median_ms": ms, "per_s": Double(batch) / ms * 1000,
                "reference": "PyTorch 2.x CPU, 2 threads, measured on an Intel Xeon machine", "reference_per_s": peer,
            ]).emit()
        }
    }
}
