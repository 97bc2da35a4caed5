import Foundation
import HeatDiffusion
import TandemNN
import TandemTensor

extension TrainBenchmark {
    /// The surrogate protocol: `HeatUNet` trained in memory on `--simulations` random
    /// simulations (×8 symmetries, as fd-sim uploads them) for `--epochs` epochs, then
    /// measured on 100 fresh simulations against the solver: mean and max absolute error,
    /// split between points near a source and the far field. `--quick` shrinks it.
    func surrogate() throws {
        let simulations = options.quick ? 24 : surrogateSimulations, tests = options.quick ? 20 : 100
        let epochs = options.quick ? 2 : surrogateEpochs
        let start = Date()
        var generator = SeededGenerator(seed: seed)
        let trainExamples = try HeatExamples.random(simulations: simulations, size: size, augmented: true, using: &generator)
        let testExamples = try HeatExamples.random(simulations: tests, size: size, augmented: false, using: &generator)
        let dataSeconds = Date().timeIntervalSince(start)
        let train = TrainingSet(trainExamples), test = TrainingSet(testExamples)
        let model = HeatUNet<Float>(levels: levels, width: width, seed: generator.next())
        let batches = (train.count + surrogateBatch - 1) / surrogateBatch
        let schedule = HeatUNet<Float>.schedule(initial: surrogateLearningRate, totalSteps: batches * epochs)
        let trainer = Trainer(model: model, optimizer: Adam(schedule: schedule), loss: surrogateLoss, threads: threads)
        let trainStart = Date()
        var lastLoss = 0.0
        for _ in 0..<epochs { lastLoss = trainer.fit(epoch: train, batchSize: surrogateBatch, generator: &generator) }
        let trainSeconds = Date().timeIntervalSince(trainStart)
        let errors = SurrogateErrors(model: trainer, examples: testExamples)
        BenchmarkRecord(bench: "train", case: "surrogate", [
            "network": model.architecture, "parameters": model.parameterCount.total,
            "size": size, "batch": surrogateBatch, "threads": threads, "seed": Int(seed),
            "simulations": simulations, "samples": train.count, "epochs": epochs, "learning_rate": surrogateLearningRate,
            "test_simulations": tests, "final_train_loss": lastLoss,
            "test_mae": errors.mean, "test_max_abs_error": errors.maximum,
            "near_source_mae": errors.nearMean, "far_field_mae": errors.farMean, "near_source_share": errors.nearShare,
            "near_source_max": errors.nearMaximum, "far_field_max": errors.farMaximum, "loss": surrogateLoss.rawValue,
            "zeros_mae": testExamples.zerosMeanAbsoluteError,
            "data_s": dataSeconds, "train_s": trainSeconds, "median_ms": trainSeconds * 1000,
            "per_s": Double(train.count * epochs) / trainSeconds,
        ]).emit()
        _ = test
    }
}

/// Test errors of a trained model on solved examples, with the split between points near a
/// source (within ``nearDistance`` of the plate of a source point) and the far field.
struct SurrogateErrors {
    var mean = 0.0, maximum = 0.0, nearMean = 0.0, farMean = 0.0, nearShare = 0.0, nearMaximum = 0.0, farMaximum = 0.0

    init<M: Layer>(model trainer: Trainer<M>, examples: HeatExamples) where M.Scalar == Float {
        let n = examples.size, plane = n * n
        var total = 0.0, near = 0.0, far = 0.0, nearCount = 0, farCount = 0
        let batch = 20
        var first = 0
        while first < examples.count {
            let count = min(batch, examples.count - first)
            let input = FeatureMap<Float>(nhwc: Array(examples.initial[(first * plane)..<((first + count) * plane)]), shape: [count, n, n, 1])
            let prediction = trainer.predict(input)
            for s in 0..<count {
                let x = Array(examples.initial[((first + s) * plane)..<((first + s + 1) * plane)])
                let isNear = NearSource.mask(sources: x, size: n)
                let p = prediction.plane(s, 0)
                for i in 0..<plane {
                    let e = Double(abs(p[i] - examples.steady[(first + s) * plane + i]))
                    total += e
                    maximum = e.isNaN || maximum.isNaN ? .nan : max(maximum, e)
                    if isNear[i] {
                        near += e; nearCount += 1; nearMaximum = max(nearMaximum, e)
                    } else {
                        far += e; farCount += 1; farMaximum = max(farMaximum, e)
                    }
                }
            }
            first += count
        }
        mean = total / Double(examples.count * plane)
        nearMean = near / Double(max(nearCount, 1))
        farMean = far / Double(max(farCount, 1))
        nearShare = Double(nearCount) / Double(examples.count * plane)
    }
}

/// Which points are near a source: within 0.05 of the plate (one source radius) of a
/// source point, as a Chebyshev distance in grid points.
enum NearSource {
    static func mask(sources: [Float], size n: Int) -> [Bool] {
        let reach = max(1, Int((0.05 * Double(n - 1)).rounded()))
        var mask = [Bool](repeating: false, count: n * n)
        for y in 0..<n {
            for x in 0..<n where sources[y * n + x] > 0.5 {
                for yy in max(0, y - reach)...min(n - 1, y + reach) {
                    for xx in max(0, x - reach)...min(n - 1, x + reach) { mask[yy * n + xx] = true }
                }
            }
        }
        return mask
    }
}
