import TandemNN
import TandemTensor
import Testing
import TandemTesting
import Glibc

/// SELU, SpatialDropout2D and Add.
@Suite struct ActivationTests {
    let pool = ComputePool(threads: 1)
    var training: PassContext { PassContext(pool: pool, training: true) }

    @Test func seluMatchesItsDefinition() {
        let x: [Double] = [-3, -1, -0.1, 0, 0.5, 2]
        let y = SELU<Double>().forward(FeatureMap(nhwc: x, shape: [1, 1, 6, 1]), context: training).nhwc()
        let l = 1.0507009873554804934193349852946, a = 1.6732632423543772848170429916717
        let expected = x.map { $0 > 0 ? l * $0 : l * a * (exp($0) - 1) }
        #expect(maxAbsDifference(y, expected) < 1e-14)
    }

    @Test func seluGradientMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: 2)
        let selu = SELU<Double>()
        let x = GradientCheck.randomMap(batch: 2, channels: 3, height: 5, width: 4, generator: &g)
        let error = GradientCheck.worstError(input: x, parameters: [],
            forward: { selu.forward($0, context: training) }, backward: { selu.backward($0, context: training) })
        #expect(error < 1e-7)
    }

    @Test func dropoutDropsWholeChannelsAndScalesTheRest() {
        let dropout = SpatialDropout2D<Double>(rate: 0.4, seed: 9)
        let x = FeatureMap<Double>(batch: 20, channels: 8, height: 3, width: 3)
        x.fill(1)
        let y = dropout.forward(x, context: training)
        var dropped = 0
        for n in 0..<20 {
            for c in 0..<8 {
                let plane = Array(UnsafeBufferPointer(start: y.plane(n, c), count: 9))
                #expect(plane.allSatisfy { $0 == plane[0] })
                if plane[0] == 0 { dropped += 1 } else { #expect(abs(plane[0] - 1 / 0.6) < 1e-12) }
            }
        }
        #expect(dropped > 40 && dropped < 90, "dropped \(dropped) of 160 at rate 0.4")
    }

    @Test func dropoutIsTheIdentityInInferenceAndRepeatsWithItsSeed() {
        var g = SeededGenerator(seed: 1)
        let x = GradientCheck.randomMap(batch: 4, channels: 4, height: 2, width: 2, generator: &g)
        let inference = SpatialDropout2D<Double>(rate: 0.4, seed: 1).forward(x, context: PassContext(pool: pool, training: false))
        #expect(inference.nhwc() == x.nhwc())
        let a = SpatialDropout2D<Double>(rate: 0.4, seed: 5).forward(x, context: training).nhwc()
        let b = SpatialDropout2D<Double>(rate: 0.4, seed: 5).forward(x, context: training).nhwc()
        let c = SpatialDropout2D<Double>(rate: 0.4, seed: 6).forward(x, context: training).nhwc()
        #expect(a == b)
        #expect(a != c)
    }

    @Test func dropoutGradientMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: 3)
        let dropout = SpatialDropout2D<Double>(rate: 0.5, seed: 1)
        let x = GradientCheck.randomMap(batch: 3, channels: 4, height: 3, width: 3, generator: &g)
        let error = GradientCheck.worstError(input: x, parameters: [],
            forward: { dropout.generator = SeededGenerator(seed: 1); return dropout.forward($0, context: training) },
            backward: { dropout.backward($0, context: training) })
        #expect(error < 1e-7)
    }

    @Test func addSumsElementwise() {
        let a = FeatureMap<Double>(nhwc: [1, 2, 3, 4], shape: [1, 2, 1, 2])
        let b = FeatureMap<Double>(nhwc: [10, 20, 30, 40], shape: [1, 2, 1, 2])
        #expect(Add<Double>().forward(a, b, context: training).nhwc() == [11, 22, 33, 44])
        Add.accumulate(b, into: a, context: training)
        #expect(a.nhwc() == [11, 22, 33, 44])
    }
}
