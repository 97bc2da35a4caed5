import HeatDiffusion
import TandemNN
import TandemTensor
import Testing

/// DiffusionResNet learns the steady state from the HeatDiffusion solver: a CI-sized
/// version of issue 5's protocol (the full one is `tandem-bench train --cases accuracy`).
@Suite struct LearningTests {
    static func dataset(simulations: Int, size: Int, augmented: Bool, generator: inout SeededGenerator) throws -> TrainingSet<Float> {
        let solver = SteadyStateSolver()
        var inputs: [SquareGrid<Float>] = [], outputs: [SquareGrid<Float>] = []
        for _ in 0..<simulations {
            let problem = try HeatProblem.random(size: size, using: &generator)
            inputs.append(problem.initialTemperature)
            outputs.append(try solver.solve(problem))
        }
        if augmented {
            inputs = Symmetry.augment(inputs)
            outputs = Symmetry.augment(outputs)
        }
        return TrainingSet(samples: inputs.flatMap(\.values), targets: outputs.flatMap(\.values), shape: [inputs.count, size, size, 1])
    }

    static func baseline(_ data: TrainingSet<Float>, identity: Bool) -> Double {
        var total = 0.0
        for i in 0..<data.targets.count { total += Double(abs(data.targets[i] - (identity ? data.samples[i] : 0))) }
        return total / Double(data.targets.count)
    }

    @Test func smallProtocolBeatsTheTrivialBaselinesClearly() throws {
        var generator = SeededGenerator(seed: 2024)
        let train = try Self.dataset(simulations: 40, size: 32, augmented: true, generator: &generator)
        let test = try Self.dataset(simulations: 40, size: 32, augmented: false, generator: &generator)
        let trainer = Trainer(model: DiffusionResNet<Float>(depth: 3, channels: 1, seed: 7),
                              optimizer: Adam(schedule: .exponentialDecay(initial: 0.01, decaySteps: 80, rate: 0.9, staircase: true)),
                              loss: .meanAbsoluteError)
        let before = trainer.evaluate(test)
        var losses: [Double] = []
        // Batch 16 gives 400 updates: enough for the BN moving statistics (momentum 0.99) to settle.
        for _ in 0..<20 { losses.append(trainer.fit(epoch: train, batchSize: 16, generator: &generator)) }
        let mae = trainer.evaluate(test)
        let zeros = Self.baseline(test, identity: false), identity = Self.baseline(test, identity: true)
        print("learning: test MAE \(mae) (before \(before)), zeros \(zeros), identity \(identity), train losses \(losses)")
        #expect(losses.last! < losses.first! * 0.6)
        #expect(mae < 0.6 * identity, "test MAE \(mae) vs identity baseline \(identity)")
        #expect(mae < 0.6 * zeros)
    }
}
