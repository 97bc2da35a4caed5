import TandemNN
import TandemTensor
import Testing
import TandemTesting

/// Conv2D and Conv2DTranspose: TensorFlow "same" geometry, forward values against naive
/// loops written from the Keras definitions, and gradients against finite differences.
@Suite struct ConvolutionTests {
    let pool = ComputePool(threads: 1)
    var training: PassContext { PassContext(pool: pool, training: true) }

    @Test func sameGeometryMatchesTensorFlow() {
        // (kernel, stride, big) -> (small, padTop)
        let cases: [(Int, Int, Int, Int, Int)] = [
            (3, 1, 64, 64, 1), (3, 2, 64, 32, 0), (3, 2, 25, 13, 1), (3, 2, 7, 4, 1),
            (1, 2, 64, 32, 0), (1, 2, 25, 13, 0), (1, 1, 5, 5, 0), (3, 2, 2, 1, 0), (3, 1, 1, 1, 1),
        ]
        for (k, s, big, small, pad) in cases {
            let g = ConvGeometry(kernel: k, stride: s, bigHeight: big, bigWidth: big)
            #expect(g.smallHeight == small && g.padTop == pad, "\(g)")
        }
    }

    /// Naive Conv2D in NHWC indexing with TF same padding.
    static func referenceConv(_ x: [Double], n: Int, h: Int, w: Int, ci: Int, kernel: [Double], k: Int, s: Int, co: Int, bias: [Double]) -> [Double] {
        let oh = (h + s - 1) / s, ow = (w + s - 1) / s
        let pt = max((oh - 1) * s + k - h, 0) / 2, pl = max((ow - 1) * s + k - w, 0) / 2
        var out = [Double](repeating: 0, count: n * oh * ow * co)
        for b in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for o in 0..<co {
            var acc = bias[o]
            for ky in 0..<k { for kx in 0..<k {
                let iy = oy * s + ky - pt, ix = ox * s + kx - pl
                if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                for i in 0..<ci { acc += x[((b * h + iy) * w + ix) * ci + i] * kernel[((ky * k + kx) * ci + i) * co + o] }
            }}
            out[((b * oh + oy) * ow + ox) * co + o] = acc
        }}}}
        return out
    }

    /// Naive Conv2DTranspose (scatter) in NHWC indexing; kernel `[k][k][co][ci]`.
    static func referenceTranspose(_ x: [Double], n: Int, h: Int, w: Int, ci: Int, kernel: [Double], k: Int, s: Int, co: Int, bias: [Double], oh: Int, ow: Int) -> [Double] {
        let pt = max((h - 1) * s + k - oh, 0) / 2, pl = max((w - 1) * s + k - ow, 0) / 2
        var out = [Double](repeating: 0, count: n * oh * ow * co)
        for b in 0..<n { for y in 0..<oh { for x0 in 0..<ow { for o in 0..<co { out[((b * oh + y) * ow + x0) * co + o] = bias[o] } } } }
        for b in 0..<n { for iy in 0..<h { for ix in 0..<w { for i in 0..<ci {
            let v = x[((b * h + iy) * w + ix) * ci + i]
            for ky in 0..<k { for kx in 0..<k {
                let oy = iy * s + ky - pt, ox = ix * s + kx - pl
                if oy < 0 || oy >= oh || ox < 0 || ox >= ow { continue }
                for o in 0..<co { out[((b * oh + oy) * ow + ox) * co + o] += v * kernel[((ky * k + kx) * co + o) * ci + i] }
            }}
        }}}}
        return out
    }

    static let shapes: [(k: Int, s: Int, h: Int, w: Int, ci: Int, co: Int)] = [
        (3, 1, 8, 8, 1, 1), (3, 1, 7, 9, 2, 3), (3, 2, 8, 8, 1, 2), (3, 2, 9, 7, 3, 2),
        (1, 2, 8, 8, 2, 4), (1, 2, 7, 7, 1, 2), (1, 1, 5, 6, 3, 5), (3, 2, 5, 5, 4, 6),
        (3, 1, 17, 19, 2, 4), (3, 2, 20, 18, 5, 1), (3, 1, 1, 1, 2, 2), (3, 2, 2, 3, 1, 1),
    ]

    @Test(arguments: 0..<shapes.count)
    func conv2DForwardMatchesReference(_ index: Int) {
        let (k, s, h, w, ci, co) = Self.shapes[index]
        var g = SeededGenerator(seed: UInt64(index))
        let conv = Conv2D<Double>(name: "c", inputChannels: ci, filters: co, kernel: k, stride: s, generator: &g)
        conv.bias.values = (0..<co).map { _ in Double.random(in: -1...1, using: &g) }
        let x = (0..<(2 * h * w * ci)).map { _ in Double.random(in: -1...1, using: &g) }
        let out = conv.forward(FeatureMap(nhwc: x, shape: [2, h, w, ci]), context: training)
        let expected = Self.referenceConv(x, n: 2, h: h, w: w, ci: ci, kernel: conv.kernel.values, k: k, s: s, co: co, bias: conv.bias.values)
        #expect(out.shapeNHWC == [2, (h + s - 1) / s, (w + s - 1) / s, co])
        #expect(maxAbsDifference(out.nhwc(), expected) < 1e-12)
    }

    @Test(arguments: 0..<shapes.count)
    func conv2DTransposeForwardMatchesReference(_ index: Int) {
        let (k, s, h, w, ci, co) = Self.shapes[index]
        var g = SeededGenerator(seed: UInt64(100 + index))
        let conv = Conv2DTranspose<Double>(name: "t", inputChannels: ci, filters: co, kernel: k, stride: s, generator: &g)
        conv.bias.values = (0..<co).map { _ in Double.random(in: -1...1, using: &g) }
        let x = (0..<(2 * h * w * ci)).map { _ in Double.random(in: -1...1, using: &g) }
        let out = conv.forward(FeatureMap(nhwc: x, shape: [2, h, w, ci]), context: training)
        let expected = Self.referenceTranspose(x, n: 2, h: h, w: w, ci: ci, kernel: conv.kernel.values, k: k, s: s, co: co,
                                               bias: conv.bias.values, oh: h * s, ow: w * s)
        #expect(out.shapeNHWC == [2, h * s, w * s, co])
        #expect(maxAbsDifference(out.nhwc(), expected) < 1e-12)
    }

    @Test func conv2DTransposeUndoesAnOddDownsampling() {
        var g = SeededGenerator(seed: 5)
        let conv = Conv2DTranspose<Double>(name: "t", inputChannels: 2, filters: 3, kernel: 3, stride: 2, generator: &g)
        let x = (0..<(13 * 13 * 2)).map { _ in Double.random(in: -1...1, using: &g) }
        let out = conv.forward(FeatureMap(nhwc: x, shape: [1, 13, 13, 2]), outputSize: (25, 25), context: training)
        let expected = Self.referenceTranspose(x, n: 1, h: 13, w: 13, ci: 2, kernel: conv.kernel.values, k: 3, s: 2, co: 3,
                                               bias: conv.bias.values, oh: 25, ow: 25)
        #expect(out.shapeNHWC == [1, 25, 25, 3])
        #expect(maxAbsDifference(out.nhwc(), expected) < 1e-12)
    }

    @Test(arguments: 0..<shapes.count)
    func conv2DGradientsMatchFiniteDifferences(_ index: Int) {
        let (k, s, h, w, ci, co) = Self.shapes[index]
        var g = SeededGenerator(seed: UInt64(200 + index))
        let conv = Conv2D<Double>(name: "c", inputChannels: ci, filters: co, kernel: k, stride: s, generator: &g)
        let x = GradientCheck.randomMap(batch: 3, channels: ci, height: h, width: w, generator: &g)
        let error = GradientCheck.worstError(input: x, parameters: conv.parameters,
            forward: { conv.forward($0, context: training) }, backward: { conv.backward($0, context: training) })
        #expect(error < 1e-7)
    }

    @Test(arguments: 0..<shapes.count)
    func conv2DTransposeGradientsMatchFiniteDifferences(_ index: Int) {
        let (k, s, h, w, ci, co) = Self.shapes[index]
        var g = SeededGenerator(seed: UInt64(300 + index))
        let conv = Conv2DTranspose<Double>(name: "t", inputChannels: ci, filters: co, kernel: k, stride: s, generator: &g)
        let x = GradientCheck.randomMap(batch: 3, channels: ci, height: h, width: w, generator: &g)
        let error = GradientCheck.worstError(input: x, parameters: conv.parameters,
            forward: { conv.forward($0, context: training) }, backward: { conv.backward($0, context: training) })
        #expect(error < 1e-7)
    }

    @Test func conv2DTransposeOddOutputGradientsMatchFiniteDifferences() {
        var g = SeededGenerator(seed: 9)
        let conv = Conv2DTranspose<Double>(name: "t", inputChannels: 2, filters: 2, kernel: 3, stride: 2, generator: &g)
        let x = GradientCheck.randomMap(batch: 2, channels: 2, height: 4, width: 4, generator: &g)
        let error = GradientCheck.worstError(input: x, parameters: conv.parameters,
            forward: { conv.forward($0, outputSize: (7, 7), context: training) }, backward: { conv.backward($0, context: training) })
        #expect(error < 1e-7)
    }

    @Test func singleThreadAndTwoThreadsAgree() {
        var g = SeededGenerator(seed: 11)
        let conv = Conv2D<Float>(name: "c", inputChannels: 3, filters: 4, kernel: 3, stride: 2, generator: &g)
        let values = (0..<(5 * 12 * 12 * 3)).map { _ in Float.random(in: -1...1, using: &g) }
        let one = conv.forward(FeatureMap(nhwc: values, shape: [5, 12, 12, 3]), context: PassContext(pool: ComputePool(threads: 1), training: true)).nhwc()
        let two = conv.forward(FeatureMap(nhwc: values, shape: [5, 12, 12, 3]), context: PassContext(pool: ComputePool(threads: 2), training: true)).nhwc()
        #expect(one == two)
    }
}
