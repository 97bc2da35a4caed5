import Glibc
import TandemNN
import TandemTensor
import Testing
import TandemTesting

/// Adam, the learning-rate schedules and the losses.
@Suite struct OptimizerTests {
    @Test func staircaseDecayFollowsTheReferenceSchedule() {
        let schedule = LearningRateSchedule.tutorial()
        #expect(schedule.rate(at: 0) == 0.01)
        #expect(schedule.rate(at: 79) == 0.01)
        #expect(abs(schedule.rate(at: 80) - 0.009) < 1e-15)
        #expect(abs(schedule.rate(at: 1279) - 0.01 * pow(0.9, 15)) < 1e-15)
        let smooth = LearningRateSchedule.exponentialDecay(initial: 0.01, decaySteps: 80, rate: 0.9, staircase: false)
        #expect(abs(smooth.rate(at: 40) - 0.01 * pow(0.9, 0.5)) < 1e-15)
        #expect(LearningRateSchedule.constant(0.3).rate(at: 1000) == 0.3)
    }

    /// Adam written out step by step from its definition (Keras form, ε outside the root).
    @Test func adamMatchesItsDefinition() {
        let p = Parameter<Double>(name: "p", shape: [3], trainable: true)
        p.values = [1, -2, 0.5]
        let frozen = Parameter<Double>(name: "f", shape: [1], trainable: false, initial: 7)
        let adam = Adam<Double>(schedule: .exponentialDecay(initial: 0.1, decaySteps: 2, rate: 0.5, staircase: true))
        var theta = [1.0, -2, 0.5], m = [0.0, 0, 0], v = [0.0, 0, 0]
        for step in 0..<5 {
            let g = theta.map { 2 * $0 + 1 }
            for i in 0..<3 { p.gradientPointer[i] = g[i] }
            frozen.gradientPointer[0] = 100
            adam.update([p, frozen])
            let t = Double(step + 1)
            let lr = 0.1 * pow(0.5, Double(step / 2)) * (1 - pow(0.999, t)).squareRoot() / (1 - pow(0.9, t))
            for i in 0..<3 {
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i]
                theta[i] -= lr * m[i] / (v[i].squareRoot() + 1e-7)
            }
            #expect(maxAbsDifference(p.values, theta) < 1e-14)
        }
        #expect(frozen.values == [7])
        #expect(adam.step == 5)
    }

    @Test func lossesAndTheirGradients() {
        let prediction = FeatureMap<Double>(nhwc: [1, 2, 3, 4], shape: [1, 2, 2, 1])
        let target = FeatureMap<Double>(nhwc: [0, 2, 5, 3.5], shape: [1, 2, 2, 1])
        #expect(abs(Loss.meanAbsoluteError.value(prediction, target) - (1 + 0 + 2 + 0.5) / 4) < 1e-15)
        #expect(abs(Loss.meanSquaredError.value(prediction, target) - (1 + 0 + 4 + 0.25) / 4) < 1e-15)
        let gradient = FeatureMap<Double>()
        Loss.meanAbsoluteError.gradient(prediction, target, into: gradient)
        #expect(gradient.nhwc() == [0.25, 0, -0.25, 0.25])
        Loss.meanSquaredError.gradient(prediction, target, into: gradient)
        #expect(maxAbsDifference(gradient.nhwc(), [0.5, 0, -1, 0.25]) < 1e-15)
    }

    @Test func trainingIsRepeatableWithTheSameSeedsOnAnyNumberOfThreads() {
        func run(threads: Int) -> [Float] {
            let trainer = Trainer(model: DiffusionResNet<Float>(depth: 2, channels: 1, seed: 8),
                                  optimizer: Adam(schedule: .constant(0.01)), loss: .meanAbsoluteError, threads: threads)
            var g = SeededGenerator(seed: 9)
            let values = (0..<(12 * 16 * 16)).map { _ in Float.random(in: 0...1, using: &g) }
            let data = TrainingSet(samples: values, targets: values.map { $0 * 0.5 }, shape: [12, 16, 16, 1])
            for _ in 0..<2 { trainer.fit(epoch: data, batchSize: 5, generator: &g) }
            return trainer.model.parameters.flatMap(\.values)
        }
        let reference = run(threads: 1)
        #expect(run(threads: 1) == reference)
        for _ in 0..<3 { #expect(run(threads: 2) == reference) }
    }
}
