import HeatDiffusion
import TandemNN
import TandemTensor
import Testing

/// DiffusionResNet learns the steady state from the HeatDiffusion solver: a CI-sized
/// version of the tutorial network's accuracy protocol (the full one is `tandem-bench train --cases accuracy`).
@Suite struct LearningTests {
    @Test func smallProtocolBeatsTheTrivialBaselinesClearly() throws {
        var generator = SeededGenerator(seed: 2024)
        let trainExamples = try HeatExamples.random(simulations: 40, size: 32, augmented: true, using: &generator)
        let testExamples = try HeatExamples.random(simulations: 40, size: 32, augmented: false, using: &generator)
        let train = TrainingSet(samples: trainExamples.initial, targets: trainExamples.steady, shape: [trainExamples.count, 32, 32, 1])
        let test = TrainingSet(samples: testExamples.initial, targets: testExamples.steady, shape: [testExamples.count, 32, 32, 1])
        let trainer = Trainer(model: DiffusionResNet<Float>(depth: 3, channels: 1, seed: 7),
                              optimizer: Adam(schedule: .tutorial()),
                              loss: .meanAbsoluteError)
        let before = trainer.evaluate(test)
        var losses: [Double] = []
        // Batch 16 gives 400 updates: enough for the BN moving statistics (momentum 0.99) to settle.
        for _ in 0..<20 { losses.append(trainer.fit(epoch: train, batchSize: 16, generator: &generator)) }
        let mae = trainer.evaluate(test)
        let zeros = testExamples.zerosMeanAbsoluteError, identity = testExamples.identityMeanAbsoluteError
        print("learning: test MAE \(mae) (before \(before)), zeros \(zeros), identity \(identity), train losses \(losses)")
        #expect(losses.last! < losses.first! * 0.6)
        #expect(mae < 0.6 * identity, "test MAE \(mae) vs identity baseline \(identity)")
        #expect(mae < 0.6 * zeros)
    }
}
