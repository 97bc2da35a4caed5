import Foundation
import HeatDiffusion
import OnlineTraining
import TandemNN
import TandemTensor

extension TrainBenchmark {
    /// The surrogate protocol: `HeatUNet` trained in memory as `online-training --network
    /// heat-unet` trains it (`--surrogate-simulations` random simulations ×8 symmetries,
    /// `--surrogate-epochs` epochs at batch 4, the learning rate falling ×50 over the run), then
    /// measured against the solver on 100 fresh simulations of the training size (mean and
    /// max absolute error, split near sources / far field), and, for information, on 100 at
    /// twice the size and on 100 with 6–8 sources (outside what it was trained on).
    /// Everything is drawn from `--seed`. `--quick` shrinks it.
    func surrogate() throws {
        let simulations = options.quick ? 24 : surrogateSimulations, tests = options.quick ? 10 : 100
        let epochs = options.quick ? 1 : surrogateEpochs
        let start = Date()
        var generator = SeededGenerator(seed: seed)
        let trainExamples = try HeatExamples.random(simulations: simulations, size: size, augmented: true, using: &generator)
        let testExamples = try HeatExamples.random(simulations: tests, size: size, augmented: false, using: &generator)
        let dataSeconds = Date().timeIntervalSince(start)
        let train = TrainingSet(trainExamples)
        let model = HeatUNet<Float>(levels: levels, width: width, seed: generator.next())
        let batches = (train.count + surrogateBatch - 1) / surrogateBatch
        let schedule = HeatUNet<Float>.schedule(initial: surrogateLearningRate, totalSteps: batches * epochs)
        let trainer = Trainer(model: model, optimizer: Adam(schedule: schedule), loss: surrogateLoss, threads: threads)
        let trainStart = Date()
        var lastLoss = 0.0
        for _ in 0..<epochs { lastLoss = trainer.fit(epoch: train, batchSize: surrogateBatch, generator: &generator) }
        let trainSeconds = Date().timeIntervalSince(trainStart)
        let accuracy = try measure(trainer, on: Fields(testExamples))
        let larger = try measure(trainer, on: Fields(HeatExamples.random(simulations: tests, size: 2 * size, augmented: false, using: &generator)))
        let crowded = try measure(trainer, on: Self.crowded(simulations: tests, size: size, using: &generator))
        BenchmarkRecord(bench: "train", case: "surrogate", [
            "network": model.architecture, "parameters": model.parameterCount.total,
            "size": size, "batch": surrogateBatch, "threads": threads, "seed": Int(seed),
            "simulations": simulations, "samples": train.count, "epochs": epochs, "learning_rate": surrogateLearningRate,
            "loss": surrogateLoss.rawValue, "final_train_loss": lastLoss, "test_simulations": tests,
            "test_mae": accuracy.meanAbsoluteError, "test_max_abs_error": accuracy.maxAbsoluteError,
            "near_source_mae": accuracy.nearSourceMeanAbsoluteError ?? .nan, "far_field_mae": accuracy.farFieldMeanAbsoluteError ?? .nan,
            "near_source_share": accuracy.nearSourceShare ?? .nan, "zeros_mae": accuracy.zerosMeanAbsoluteError,
            "size_x2_mae": larger.meanAbsoluteError, "size_x2_max_abs_error": larger.maxAbsoluteError,
            "sources_6_8_mae": crowded.meanAbsoluteError, "sources_6_8_max_abs_error": crowded.maxAbsoluteError,
            "sources_6_8_zeros_mae": crowded.zerosMeanAbsoluteError,
            "data_s": dataSeconds, "train_s": trainSeconds, "median_ms": trainSeconds * 1000,
            "per_s": Double(train.count * epochs) / trainSeconds,
            "reference": "tutorial DiffusionResNet test MAE 0.093-0.101 (tandem-bench train --cases accuracy)",
        ]).emit()
    }

    /// The model's errors on `examples` in inference mode, against the solver.
    private func measure(_ trainer: Trainer<HeatUNet<Float>>, on examples: Fields) throws -> OnlineTraining.Report.Accuracy {
        let n = examples.size, plane = n * n
        var meter = AccuracyMeter()
        var first = 0
        while first < examples.count {
            let count = min(20, examples.count - first)
            let range = (first * plane)..<((first + count) * plane)
            let prediction = trainer.predict(FeatureMap<Float>(nhwc: Array(examples.initial[range]), shape: [count, n, n, 1])).nhwc()
            for s in 0..<count {
                let local = (s * plane)..<((s + 1) * plane), global = ((first + s) * plane)..<((first + s + 1) * plane)
                try meter.add(input: Array(examples.initial[global]), truth: Array(examples.steady[global]), prediction: Array(prediction[local]))
            }
            first += count
        }
        guard let result = meter.result else { throw ValidationErrorText("no examples to measure on") }
        return result
    }

    /// Problems with 6 to 8 sources (the workflow trains on 1 to 5), centers uniform in
    /// [0.2, 0.8]², solved.
    static func crowded(simulations: Int, size: Int, using generator: inout SeededGenerator) throws -> Fields {
        let solver = SteadyStateSolver()
        var initial: [Float] = [], steady: [Float] = []
        for _ in 0..<simulations {
            let sources = (0..<Int.random(in: 6...8, using: &generator)).map { _ in
                HeatSource(x: Double.random(in: 0.2...0.8, using: &generator), y: Double.random(in: 0.2...0.8, using: &generator))
            }
            let problem = try HeatProblem(size: size, sources: sources)
            initial += problem.initialTemperature.values
            steady += try solver.solve(problem).values
        }
        return Fields(size: size, initial: initial, steady: steady)
    }
}

/// Solved cases: source maps and steady states, one `size × size` grid after the other.
struct Fields {
    var size: Int
    var initial: [Float]
    var steady: [Float]
    var count: Int { initial.count / (size * size) }
}

extension Fields {
    init(_ examples: HeatExamples) { self.init(size: examples.size, initial: examples.initial, steady: examples.steady) }
}

/// An error whose text is the message.
struct ValidationErrorText: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
