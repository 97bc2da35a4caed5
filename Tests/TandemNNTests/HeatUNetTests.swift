import HeatDiffusion
import TandemNN
import TandemTensor
import Testing
import TandemTesting

/// HeatUNet and its output layer: gradients against finite differences, the fixed values
/// held exactly, sizes, checkpoints, and that it learns.
@Suite struct HeatUNetTests {
    /// `DirichletOutput`: both gradients (free field and sources) match finite differences.
    @Test func dirichletOutputGradientsMatchFiniteDifferences() {
        let layer = DirichletOutput<Double>()
        var g = SeededGenerator(seed: 3)
        let sources = GradientCheck.randomMap(batch: 2, channels: 1, height: 7, width: 9, generator: &g)
        let field = GradientCheck.randomMap(batch: 2, channels: 1, height: 7, width: 9, generator: &g)
        let context = PassContext(pool: ComputePool(threads: 1), training: true)
        let fieldError = GradientCheck.worstError(input: field, parameters: [],
            forward: { layer.forward(sources: sources, field: $0, context: context) },
            backward: { layer.backward($0, context: context) })
        #expect(fieldError < 1e-7, "free field: worst relative error \(fieldError)")
        let sourceError = GradientCheck.worstError(input: sources, parameters: [],
            forward: { layer.forward(sources: $0, field: field, context: context) },
            backward: { _ = layer.backward($0, context: context); return layer.lastSourceGradient })
        #expect(sourceError < 1e-7, "sources: worst relative error \(sourceError)")
    }

    /// The whole network (every parameter and the input), at an even and an odd size.
    @Test(arguments: [(1, 8), (2, 13), (3, 16)])
    func gradientsMatchFiniteDifferences(levels: Int, size: Int) {
        let model = HeatUNet<Double>(levels: levels, width: 2, seed: UInt64(levels))
        var g = SeededGenerator(seed: UInt64(size))
        for p in model.parameters where p.name.hasSuffix(".bias") {
            p.values = (0..<p.count).map { _ in Double.random(in: -0.3...0.3, using: &g) }
        }
        let x = GradientCheck.randomMap(batch: 2, channels: 1, height: size, width: size, generator: &g)
        let context = PassContext(pool: ComputePool(threads: 2), training: true)
        let error = GradientCheck.worstError(input: x, parameters: model.parameters, maxChecks: 6,
            forward: { model.forward($0, context: context) }, backward: { model.backward($0, context: context) })
        #expect(error < 1e-6, "levels \(levels) size \(size): worst relative error \(error)")
    }

    /// 1 at source points and 0 on the boundary, whatever the weights.
    @Test func outputHoldsTheFixedValuesExactly() throws {
        var generator = SeededGenerator(seed: 9)
        let examples = try HeatExamples.random(simulations: 3, size: 33, augmented: false, using: &generator)
        let model = HeatUNet<Float>(levels: 3, width: 4, seed: 1)
        let input = FeatureMap<Float>(nhwc: examples.initial, shape: [3, 33, 33, 1])
        let out = model.forward(input, context: PassContext(pool: ComputePool(threads: 1), training: false)).nhwc()
        var sources = 0
        for i in out.indices {
            let y = (i / 33) % 33, x = i % 33
            if examples.initial[i] == 1 { #expect(out[i] == 1); sources += 1 }
            if y == 0 || x == 0 || y == 32 || x == 32 { #expect(out[i] == 0) }
        }
        #expect(sources > 0)
        #expect(out.allSatisfy { $0.isFinite })
    }

    @Test func parameterCountAndArchitectureNameTheNetwork() {
        let model = HeatUNet<Float>(levels: 4, width: 8, seed: 0)
        #expect(model.architecture == "HeatUNet(levels: 4, width: 8)")
        #expect(model.levelChannels == [8, 16, 32, 32, 32])
        // Per conv: 9·in·out + out.
        func conv(_ i: Int, _ o: Int) -> Int { 9 * i * o + o }
        let c = model.levelChannels
        var expected = conv(c[0], 1)                                         // head
        for l in 0...4 { expected += conv(l == 0 ? 1 : c[l - 1], c[l]) + conv(c[l], c[l]) }  // downs, skips
        for l in 0..<4 { expected += conv(c[l + 1], c[l]) + conv(c[l], c[l]) }               // ups, merges
        #expect(model.parameterCount.total == expected)
    }

    /// A checkpoint restores the network exactly, and refuses another architecture.
    @Test func checkpointRoundTrip() throws {
        let model = HeatUNet<Float>(levels: 2, width: 4, seed: 1)
        let bytes = Checkpoint.encode(model: model, optimizer: Adam())
        let other = HeatUNet<Float>(levels: 2, width: 4, seed: 2)
        try Checkpoint.decode(bytes, into: other, optimizer: Adam())
        #expect(zip(model.parameters, other.parameters).allSatisfy { $0.values == $1.values })
        #expect(throws: NNError.self) { try Checkpoint.decode(bytes, into: HeatUNet<Float>(levels: 3, width: 4), optimizer: Adam()) }
    }

    /// A few hundred steps on solved problems lower the test error well below predicting zeros.
    @Test func learnsTheSteadyState() throws {
        var generator = SeededGenerator(seed: 4)
        let train = try HeatExamples.random(simulations: 20, size: 16, augmented: true, using: &generator)
        let test = try HeatExamples.random(simulations: 10, size: 16, augmented: false, using: &generator)
        let model = HeatUNet<Float>(levels: 2, width: 4, seed: 5)
        let trainer = Trainer(model: model, optimizer: Adam(schedule: HeatUNet<Float>.schedule(initial: 0.003, totalSteps: 200)),
                              loss: .meanAbsoluteError, threads: 2)
        let trainSet = TrainingSet(samples: train.initial, targets: train.steady, shape: [train.count, 16, 16, 1])
        let testSet = TrainingSet(samples: test.initial, targets: test.steady, shape: [test.count, 16, 16, 1])
        let before = trainer.evaluate(testSet)
        for _ in 0..<20 { trainer.fit(epoch: trainSet, batchSize: 16, generator: &generator) }
        let after = trainer.evaluate(testSet)
        #expect(after < 0.3 * test.zerosMeanAbsoluteError, "test MAE \(after) (zeros \(test.zerosMeanAbsoluteError), untrained \(before))")
    }
}
