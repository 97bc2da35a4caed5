import TandemNN
import TandemTensor
import Testing
import TandemTesting

@Suite struct BatchNormalizationTests {
    let pool = ComputePool(threads: 1)

    @Test func trainingNormalisesEachChannelAndUpdatesMovingStatistics() {
        var g = SeededGenerator(seed: 1)
        let bn = BatchNormalization<Double>(name: "bn", channels: 3)
        let x = GradientCheck.randomMap(batch: 4, channels: 3, height: 5, width: 6, generator: &g)
        for i in 0..<x.count { x.pointer[i] = x.pointer[i] * 3 + 2 }
        let y = bn.forward(x, context: PassContext(pool: pool, training: true))
        for c in 0..<3 {
            var values: [Double] = [], inputs: [Double] = []
            for n in 0..<4 { for i in 0..<30 { values.append(y.plane(n, c)[i]); inputs.append(x.plane(n, c)[i]) } }
            let mean = values.reduce(0, +) / 120
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 120
            #expect(abs(mean) < 1e-12)
            let inMean = inputs.reduce(0, +) / 120
            let inVar = inputs.map { ($0 - inMean) * ($0 - inMean) }.reduce(0, +) / 120
            #expect(abs(variance - inVar / (inVar + 1e-3)) < 1e-12)
            #expect(abs(bn.movingMean.values[c] - 0.01 * inMean) < 1e-12)
            #expect(abs(bn.movingVariance.values[c] - (0.99 + 0.01 * inVar * 120 / 119)) < 1e-12)
        }
    }

    @Test func inferenceUsesMovingStatistics() {
        let bn = BatchNormalization<Double>(name: "bn", channels: 2)
        bn.movingMean.values = [1, -2]
        bn.movingVariance.values = [4, 0.25]
        bn.gamma.values = [2, 3]
        bn.beta.values = [0.5, -0.5]
        let x = FeatureMap<Double>(nhwc: [3, 0, 5, 1], shape: [1, 1, 2, 2])
        let y = bn.forward(x, context: PassContext(pool: pool, training: false)).nhwc()
        let s0: Double = 2 / (4 + 1e-3).squareRoot(), s1: Double = 3 / (0.25 + 1e-3).squareRoot()
        let expected: [Double] = [s0 * 2 + 0.5, s1 * 2 - 0.5, s0 * 4 + 0.5, s1 * 3 - 0.5]
        #expect(maxAbsDifference(y, expected) < 1e-12)
        #expect(bn.movingMean.values == [1, -2])
    }

    @Test(arguments: [true, false], [(1, 5, 7), (3, 4, 4), (2, 1, 1)])
    func gradientsMatchFiniteDifferences(training: Bool, shape: (Int, Int, Int)) {
        var g = SeededGenerator(seed: 3)
        let bn = BatchNormalization<Double>(name: "bn", channels: 3)
        bn.gamma.values = [1.5, -0.7, 0.9]
        bn.beta.values = [0.2, 0.1, -0.3]
        bn.movingMean.values = [0.1, -0.2, 0.3]
        bn.movingVariance.values = [0.5, 1.5, 2]
        let x = GradientCheck.randomMap(batch: shape.0, channels: 3, height: shape.1, width: shape.2, generator: &g)
        let context = PassContext(pool: pool, training: training)
        let error = GradientCheck.worstError(input: x, parameters: bn.parameters,
            forward: { bn.forward($0, context: context) }, backward: { bn.backward($0, context: context) })
        #expect(error < 1e-7)
    }

    @Test func parallelStatisticsEqualSerialExactly() {
        var g = SeededGenerator(seed: 4)
        let values = (0..<(7 * 9 * 9 * 2)).map { _ in Float.random(in: -3...3, using: &g) }
        var outputs: [[Float]] = []
        for threads in [1, 2] {
            let bn = BatchNormalization<Float>(name: "bn", channels: 2)
            let context = PassContext(pool: ComputePool(threads: threads), training: true)
            let y = bn.forward(FeatureMap(nhwc: values, shape: [7, 9, 9, 2]), context: context)
            outputs.append(y.nhwc() + bn.movingVariance.values)
        }
        #expect(outputs[0] == outputs[1])
    }
}
