import ArgumentParser
import Foundation
import HeatDiffusion
import TandemExperiment
import TandemNN
import TandemTensor

/// `tandem-bench train`: DiffusionResNet training speed (beside PyTorch's, measured in the
/// same run when the Python at TANDEM_PYTHON has torch), the tutorial network's accuracy
/// protocol (200 simulations ×8 symmetries, 40 epochs, test MAE on 100 fresh simulations)
/// and HeatUNet's (``surrogate()``).
struct TrainBenchmark: BenchmarkArea {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "TandemNN training: samples per second, and test accuracy of the reference protocol.")

    @OptionGroup var options: BenchmarkOptions
    @Option(help: "Network depth.") var depth = 4
    @Option(help: "Grid size.") var size = 64
    @Option(help: "Batch size.") var batch = 50
    @Option(help: "Threads (default: all processors).") var threads = ComputePool.processorCount
    @Option(help: "Cases to run: throughput, accuracy, surrogate.") var cases: [String] = ["throughput", "accuracy", "surrogate"]
    @Option(help: "Seed of the accuracy case (data and weights).") var seed: UInt64 = 1
    @Option(help: "Folder where the accuracy case also writes its data as raw little-endian float32 NHWC files (train_inputs.f32, train_targets.f32, test_inputs.f32, test_targets.f32), for scripts/reference.")
    var saveData: String?
    @Option(help: "Surrogate case: HeatUNet levels.") var levels = 4
    @Option(help: "Surrogate case: HeatUNet width (channels of the finest level).") var width = 8
    @Option(name: .customLong("surrogate-simulations"), help: "Surrogate case: training simulations (each ×8 symmetries; the workflow's default is 2 members × 100).") var surrogateSimulations = 200
    @Option(name: .customLong("surrogate-epochs"), help: "Surrogate case: epochs.") var surrogateEpochs = 10
    @Option(name: .customLong("surrogate-batch"), help: "Surrogate case: batch size.") var surrogateBatch = 4
    @Option(name: .customLong("surrogate-loss"), help: "Surrogate case: loss (mae, mse).") var surrogateLoss = Loss.meanAbsoluteError
    @Option(name: .customLong("surrogate-learning-rate"), help: "Surrogate case: initial learning rate.") var surrogateLearningRate = 0.003

    func run() throws {
        if cases.contains("throughput") { throughput() }
        if cases.contains("accuracy") { try accuracy() }
        if cases.contains("surrogate") { try surrogate() }
    }

    func throughput() {
        let model = DiffusionResNet<Float>(depth: depth, channels: 1, seed: 1)
        let trainer = Trainer(model: model, optimizer: Adam(schedule: .tutorial()),
                              loss: .meanAbsoluteError, threads: threads)
        var generator = SeededGenerator(seed: 2)
        let count = batch * size * size
        let inputs = FeatureMap<Float>(nhwc: (0..<count).map { _ in Float.random(in: 0...1, using: &generator) }, shape: [batch, size, size, 1])
        let targets = FeatureMap<Float>(nhwc: (0..<count).map { _ in Float.random(in: 0...1, using: &generator) }, shape: [batch, size, size, 1])
        let ms = measureMedian(warmup: options.quick ? 2 : 10, repeats: options.quick ? 5 : 10 * options.measuredRepeats) {
            trainer.step(inputs: inputs, targets: targets)
        }
        let fallback = Double(trainer.pool.fallbackLoops) / Double(max(1, trainer.pool.fallbackLoops + trainer.pool.parallelLoops))
        let perSecond = Double(batch) / ms * 1000
        var record = BenchmarkRecord(bench: "train", case: "throughput", [
            "depth": depth, "size": size, "batch": batch, "kernels": KernelSet.active.rawValue, "threads": threads, "median_ms": ms, "per_s": perSecond,
            "inline_fallback_share": fallback,
        ])
        switch PyTorchPeer.measure(depth: depth, size: size, batch: batch, threads: threads, quick: options.quick) {
        case .measured(let peer, let version):
            record.fields += [("peer", "pytorch \(version) cpu, \(threads) threads, measured in this run"), ("peer_per_s", peer),
                              ("ratio", perSecond / peer)]
        case .unavailable(let why):
            record.fields += [("reference", "PyTorch 2.x CPU, 2 threads, measured on an Intel Xeon machine (not this run: \(why))"),
                              ("reference_per_s", 630.0)]
        }
        record.emit()
    }

    /// The reference protocol; `--quick` shrinks it to 24 simulations and 3 epochs.
    func accuracy() throws {
        let simulations = options.quick ? 24 : 200, tests = options.quick ? 20 : 100, epochs = options.quick ? 3 : 40
        let start = Date()
        var generator = SeededGenerator(seed: seed)
        let trainExamples = try HeatExamples.random(simulations: simulations, size: size, augmented: true, using: &generator)
        let testExamples = try HeatExamples.random(simulations: tests, size: size, augmented: false, using: &generator)
        let dataSeconds = Date().timeIntervalSince(start)
        if let folder = saveData { try save(train: trainExamples, test: testExamples, to: folder) }
        let train = TrainingSet(trainExamples), test = TrainingSet(testExamples)
        let model = DiffusionResNet<Float>(depth: depth, channels: 1, seed: generator.next())
        let trainer = Trainer(model: model, optimizer: Adam(schedule: .tutorial()),
                              loss: .meanAbsoluteError, threads: threads)
        let trainStart = Date()
        var lastLoss = 0.0
        for _ in 0..<epochs { lastLoss = trainer.fit(epoch: train, batchSize: batch, generator: &generator) }
        let trainSeconds = Date().timeIntervalSince(trainStart)
        let mae = trainer.evaluate(test)
        BenchmarkRecord(bench: "train", case: "accuracy", [
            "depth": depth, "size": size, "batch": batch, "kernels": KernelSet.active.rawValue, "threads": threads, "seed": Int(seed),
            "simulations": simulations, "samples": train.count, "epochs": epochs, "test_simulations": tests,
            "final_train_loss": lastLoss, "test_mae": mae, "test_mae_over_zeros": mae / testExamples.zerosMeanAbsoluteError,
            "zeros_mae": testExamples.zerosMeanAbsoluteError, "identity_mae": testExamples.identityMeanAbsoluteError,
            "data_s": dataSeconds, "train_s": trainSeconds, "median_ms": trainSeconds * 1000,
            "per_s": Double(train.count * epochs) / trainSeconds,
            "reference": "Keras 0.092 and 0.095, PyTorch 0.096 (the same protocol, measured on an Intel Xeon machine)", "reference_test_mae": 0.092,
        ]).emit()
    }
}

extension Loss: ExpressibleByArgument {}

extension TrainingSet<Float> {
    /// The examples as samples (initial temperatures) and targets (steady states).
    init(_ examples: HeatExamples) {
        self.init(samples: examples.initial, targets: examples.steady, shape: [examples.count, examples.size, examples.size, 1])
    }
}

/// Writes both sets as raw float32 files into `folder` (created if missing).
private func save(train: HeatExamples, test: HeatExamples, to folder: String) throws {
    let directory = URL(fileURLWithPath: folder)
    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
        throw ValidationErrorText("--save-data: \(FileProblem.explain(error, at: folder))")
    }
    for (name, values) in [("train_inputs", train.initial), ("train_targets", train.steady),
                           ("test_inputs", test.initial), ("test_targets", test.steady)] {
        let file = directory.appendingPathComponent(name + ".f32")
        do {
            try values.withUnsafeBytes { try Data($0).write(to: file) }
        } catch {
            throw ValidationErrorText("--save-data: \(FileProblem.explain(error, at: file.path))")
        }
    }
}
