import TandemNN
import TandemTensor
import Testing
import TandemTesting

@Suite struct DiffusionResNetTests {
    @Test func parameterCountMatchesKeras() {
        let model = DiffusionResNet<Float>(depth: 4, channels: 1, seed: 1)
        #expect(model.parameterCount.total == 8_504)
        #expect(model.parameterCount.trainable == 8_322)
    }

    @Test func parameterNamesAreUnique() {
        let names = DiffusionResNet<Float>(depth: 3, channels: 2).parameters.map(\.name)
        #expect(Set(names).count == names.count)
    }

    @Test(arguments: [32, 64, 100])
    func outputHasTheInputShapeAtEveryDepth(size: Int) {
        let pool = ComputePool(threads: 1)
        var depth = 1
        while 1 << depth <= size {
            let model = DiffusionResNet<Float>(depth: depth, channels: 1, seed: UInt64(depth))
            let x = FeatureMap<Float>(batch: 2, channels: 1, height: size, width: size)
            x.fill(0.5)
            for training in [true, false] {
                let y = model.forward(x, context: PassContext(pool: pool, training: training))
                #expect(y.shapeNHWC == [2, size, size, 1], "size \(size) depth \(depth)")
                #expect((0..<y.count).allSatisfy { y.pointer[$0].isFinite })
            }
            depth += 1
        }
    }

    @Test func encoderLevelsHalveRoundingUp() {
        let model = DiffusionResNet<Float>(depth: 4, channels: 1)
        let pool = ComputePool(threads: 1)
        var x = FeatureMap<Float>(batch: 1, channels: 1, height: 100, width: 100)
        var sizes: [Int] = []
        for (i, e) in model.encoders.enumerated() {
            x = e.forward(x, context: PassContext(pool: pool, training: false))
            sizes.append(x.height)
            #expect(x.channels == 1 << (i + 1))
        }
        #expect(sizes == [50, 25, 13, 7])
    }

    @Test(arguments: [(1, 6), (2, 8), (2, 7), (3, 8), (3, 9)])
    func networkGradientsMatchFiniteDifferences(depth: Int, size: Int) {
        let model = DiffusionResNet<Double>(depth: depth, channels: 1, seed: UInt64(10 * depth + size))
        var g = SeededGenerator(seed: UInt64(size))
        let x = GradientCheck.randomMap(batch: 2, channels: 1, height: size, width: size, generator: &g)
        let context = PassContext(pool: ComputePool(threads: 1), training: true)
        let error = GradientCheck.worstError(input: x, parameters: model.parameters, maxChecks: 6,
            forward: {
                model.inputDropout.generator = SeededGenerator(seed: 3)
                model.outputDropout.generator = SeededGenerator(seed: 4)
                return model.forward($0, context: context)
            },
            backward: { model.backward($0, context: context) })
        #expect(error < 1e-6, "depth \(depth) size \(size): worst relative error \(error)")
    }

    @Test func inferenceModeGradientsMatchFiniteDifferences() {
        let model = DiffusionResNet<Double>(depth: 2, channels: 2, seed: 5)
        var g = SeededGenerator(seed: 6)
        let x = GradientCheck.randomMap(batch: 2, channels: 2, height: 8, width: 8, generator: &g)
        let context = PassContext(pool: ComputePool(threads: 1), training: false)
        let error = GradientCheck.worstError(input: x, parameters: model.parameters, maxChecks: 6,
            forward: { model.forward($0, context: context) }, backward: { model.backward($0, context: context) })
        #expect(error < 1e-6)
    }

    @Test(arguments: [(1, 9), (3, 25), (4, 64)])
    func fusedInferenceMatchesTheLayerByLayerPass(depth: Int, size: Int) {
        let model = DiffusionResNet<Double>(depth: depth, channels: 1, seed: 21)
        var g = SeededGenerator(seed: 22)
        for p in model.parameters { p.values = (0..<p.count).map { _ in Double.random(in: 0.5...1.5, using: &g) * (p.isTrainable ? 0.3 : 1) } }
        let x = GradientCheck.randomMap(batch: 2, channels: 1, height: size, width: size, generator: &g)
        let context = PassContext(pool: ComputePool(threads: 1), training: false)
        let expected = model.forward(x, context: context).nhwc()
        let fused = model.infer(x, context: context).nhwc()
        let scale = max(1, expected.map { abs($0) }.max()!)
        #expect(maxAbsDifference(fused, expected) < 1e-12 * scale)
    }

    @Test func twoThreadsComputeWhatOneDoes() {
        var outputs: [[Float]] = []
        var g = SeededGenerator(seed: 8)
        let values = (0..<(3 * 20 * 20)).map { _ in Float.random(in: 0...1, using: &g) }
        for threads in [1, 2] {
            let model = DiffusionResNet<Float>(depth: 3, channels: 1, seed: 12)
            let context = PassContext(pool: ComputePool(threads: threads), training: true)
            let y = model.forward(FeatureMap(nhwc: values, shape: [3, 20, 20, 1]), context: context)
            let dx = model.backward(y, context: context)
            outputs.append(y.nhwc() + dx.nhwc() + model.parameters.flatMap(\.gradient))
        }
        // Reductions sum per sample in sample order, so threads change nothing, not even rounding.
        #expect(outputs[0] == outputs[1])
    }
}
