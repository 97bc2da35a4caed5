import Glibc
@testable import TandemNN
import TandemTensor
import Testing
import TandemTesting

/// The run-time kernel sets: every set this processor supports computes what the portable
/// set and a Double reference compute (AVX2 and AVX-512 exactly alike), whole networks
/// agree across sets, and training repeats exactly on any thread count with each set.
@Suite struct KernelSetTests {
    static let sets = KernelSet.supported

    static func random(_ count: Int, _ generator: inout SeededGenerator, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &generator) }
    }

    /// The largest difference relative to `scale` (at least 1).
    static func relativeDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    }

    @Test func activeSetIsSupportedAndFollowsTheEnvironment() {
        #expect(KernelSet.active.isSupported)
        #expect(KernelSet.portable.isSupported)
        let wanted = getenv("TANDEM_KERNELS").map { String(cString: $0) } ?? ""
        if let named = KernelSet(rawValue: wanted), named.isSupported {
            #expect(KernelSet.active == named)
        } else {
            #expect(KernelSet.active == Self.sets.last)
        }
        #if arch(x86_64)
        // Every x86_64 machine this project runs on has AVX2; the test says so when one lacks it.
        #expect(KernelSet.avx2.isSupported, "this processor has no AVX2: only the portable kernels are tested")
        #endif
    }

    /// One row per output channel of random taps over a padded source, for every width the
    /// row blocks treat differently (short, one vector, several, a tail) and every channel
    /// count the channel blocks treat differently.
    @Test(arguments: [1, 3, 4, 7, 8, 9, 16, 17, 31, 32, 33, 64, 100], [1, 2, 3, 4, 5, 8, 9, 16])
    func convolutionRowsAgreeAcrossSets(width: Int, outCount: Int) {
        var g = SeededGenerator(seed: UInt64(width * 100 + outCount))
        let tapCount = 9 + outCount % 5, sourceCount = 4 * 128 + 256
        let source = Self.random(sourceCount, &g)
        let taps = (0..<tapCount).map { _ in Int.random(in: 0..<(4 * 128), using: &g) }
        let weightStride = outCount + 3, firstOut = 2
        let weights = Self.random(tapCount * weightStride + firstOut, &g)
        let bias = Self.random(outCount + firstOut, &g)
        let dstStride = width + 5
        // The reference, in Double.
        var expected = [Float](repeating: -7, count: outCount * dstStride)   // untouched past the width
        for c in 0..<outCount {
            for x in 0..<width {
                var sum = Double(bias[firstOut + c])
                for t in 0..<tapCount { sum += Double(source[taps[t] + x]) * Double(weights[t * weightStride + firstOut + c]) }
                expected[c * dstStride + x] = Float(sum)
            }
        }
        var results: [KernelSet: [Float]] = [:]
        for set in Self.sets {
            var out = [Float](repeating: -7, count: outCount * dstStride)
            source.withUnsafeBufferPointer { src in
                taps.withUnsafeBufferPointer { tp in
                    weights.withUnsafeBufferPointer { w in
                        bias.withUnsafeBufferPointer { b in
                            out.withUnsafeMutableBufferPointer { d in
                                RowKernel<Float>.rows(src: src.baseAddress!, taps: tp.baseAddress!, tapCount: tapCount,
                                                      weights: w.baseAddress!, weightStride: weightStride, bias: b.baseAddress!,
                                                      firstOut: firstOut, outCount: outCount, dst: d.baseAddress!, dstStride: dstStride,
                                                      width: width, kernels: set)
                            }
                        }
                    }
                }
            }
            for c in 0..<outCount {   // nothing written past the width
                #expect(out[(c * dstStride + width)..<((c + 1) * dstStride)].allSatisfy { $0 == -7 }, "\(set) wrote past the row")
            }
            #expect(Self.relativeDifference(out, expected) < 1e-5, "\(set)")
            results[set] = out
        }
        if let avx2 = results[.avx2], let avx512 = results[.avx512] { #expect(avx2 == avx512) }
    }

    /// The kernel gradient of a convolution (Float, each set) against the same layer in Double.
    @Test(arguments: [(1, 2, 3, 2, 64), (2, 4, 3, 1, 20), (4, 8, 3, 2, 13), (8, 16, 3, 1, 8), (1, 2, 1, 2, 9), (3, 5, 3, 2, 11)])
    func convolutionGradientsAgreeAcrossSets(shape: (Int, Int, Int, Int, Int)) {
        let (ci, co, k, s, size) = shape
        var g = SeededGenerator(seed: 5)
        let input = Self.random(3 * size * size * ci, &g)
        let outSize = (size + s - 1) / s
        let upstream = Self.random(3 * outSize * outSize * co, &g)
        var g1 = SeededGenerator(seed: 6), g2 = SeededGenerator(seed: 6)
        let reference = Conv2D<Double>(name: "c", inputChannels: ci, filters: co, kernel: k, stride: s, generator: &g1)
        let pool = ComputePool(threads: 2)
        let context = PassContext(pool: pool, training: true)
        _ = reference.forward(FeatureMap(nhwc: input.map(Double.init), shape: [3, size, size, ci]), context: context)
        let dx = reference.backward(FeatureMap(nhwc: upstream.map(Double.init), shape: [3, outSize, outSize, co]), context: context).nhwc().map(Float.init)
        let dw = reference.kernel.gradient.map(Float.init)
        var kernelGradients: [KernelSet: [Float]] = [:]
        for set in Self.sets {
            var generator = g2
            let conv = Conv2D<Float>(name: "c", inputChannels: ci, filters: co, kernel: k, stride: s, generator: &generator)
            let setContext = PassContext(pool: pool, training: true, kernels: set)
            _ = conv.forward(FeatureMap(nhwc: input, shape: [3, size, size, ci]), context: setContext)
            let inputGradient = conv.backward(FeatureMap(nhwc: upstream, shape: [3, outSize, outSize, co]), context: setContext).nhwc()
            #expect(Self.relativeDifference(inputGradient, dx) < 1e-5, "\(set) input gradient")
            #expect(Self.relativeDifference(conv.kernel.gradient, dw) < 1e-4, "\(set) kernel gradient")
            kernelGradients[set] = conv.kernel.gradient
        }
        if let avx2 = kernelGradients[.avx2], let avx512 = kernelGradients[.avx512] { #expect(avx2 == avx512) }
    }

    /// The element-wise passes and reductions of each set against Double.
    @Test(arguments: [1, 7, 8, 16, 31, 64, 100, 4096])
    func vectorKernelsAgreeAcrossSets(count: Int) {
        var g = SeededGenerator(seed: UInt64(count))
        let x = Self.random(count, &g, in: -4...4), y = Self.random(count, &g, in: -2...2)
        let lambda = SELU<Float>.scale, lambdaAlpha = SELU<Float>.scale * SELU<Float>.alpha
        func selu(_ v: Float) -> Float { Float(v > 0 ? Double(lambda) * Double(v) : Double(lambdaAlpha) * (Glibc.exp(Double(v)) - 1)) }
        let sum = x.reduce(0.0) { $0 + Double($1) }, magnitude = x.reduce(0.0) { $0 + abs(Double($1)) }
        let squared = x.reduce(0.0) { $0 + (Double($1) - 0.25) * (Double($1) - 0.25) }
        let dot = zip(x, y).reduce(0.0) { $0 + Double($1.0) * (Double($1.1) + 0.5) }
        let dotMagnitude = zip(x, y).reduce(0.0) { $0 + abs(Double($1.0) * (Double($1.1) + 0.5)) }
        for set in Self.sets {
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeBufferPointer { yp in
                    let a = xp.baseAddress!, b = yp.baseAddress!
                    #expect(abs(Double(VectorKernels.sum(a, count: count, kernels: set)) - sum) < 1e-6 * magnitude + 1e-6, "\(set) sum")
                    #expect(abs(Double(VectorKernels.squaredDeviation(a, mean: 0.25, count: count, kernels: set)) - squared)
                            < 1e-5 * max(1, squared), "\(set) squared deviation")
                    #expect(abs(Double(VectorKernels.dotShifted(a, b, shift: -0.5, count: count, kernels: set)) - dot) < 1e-6 * dotMagnitude + 1e-6,
                            "\(set) dot")
                    var out = [Float](repeating: 0, count: count)
                    out.withUnsafeMutableBufferPointer { VectorKernels.selu(a, into: $0.baseAddress!, count: count, slope: lambda,
                                                                            negativeScale: lambdaAlpha, shift: 0, kernels: set) }
                    #expect(Self.relativeDifference(out, x.map(selu)) < 2e-6, "\(set) selu")
                    // In place, with an affine map folded in.
                    var inPlace = x
                    inPlace.withUnsafeMutableBufferPointer { VectorKernels.selu($0.baseAddress!, into: $0.baseAddress!, count: count,
                                                                                slope: lambda * 2, negativeScale: lambdaAlpha * 2, shift: 0.5, kernels: set) }
                    #expect(Self.relativeDifference(inPlace, x.map { 2 * selu($0) + 0.5 }) < 4e-6, "\(set) selu in place")
                    var added = x
                    added.withUnsafeMutableBufferPointer { VectorKernels.add($0.baseAddress!, b, into: $0.baseAddress!, count: count, kernels: set) }
                    #expect(added == zip(x, y).map { $0 + $1 }, "\(set) add")
                    var derivative = [Float](repeating: 0, count: count)
                    derivative.withUnsafeMutableBufferPointer {
                        VectorKernels.seluDerivative(a, b, into: $0.baseAddress!, count: count, slope: lambda, slopeAlpha: lambdaAlpha, kernels: set)
                    }
                    #expect(derivative == zip(x, y).map { $1 * ($0 > 0 ? lambda : $0 + lambdaAlpha) }, "\(set) selu derivative")
                }
            }
        }
    }

    /// A DiffusionResNet's training step (forward, backward, Adam) and its predictor on each
    /// set: close to the portable set's, and AVX-512 equal to AVX2.
    @Test func networksAgreeAcrossSets() {
        var g = SeededGenerator(seed: 11)
        let values = Self.random(6 * 24 * 24, &g, in: 0...1)
        var parameters: [KernelSet: [Float]] = [:], predictions: [KernelSet: [Float]] = [:]
        for set in Self.sets {
            let trainer = Trainer(model: DiffusionResNet<Float>(depth: 3, channels: 1, seed: 12), optimizer: Adam(schedule: .constant(0.001)),
                                  loss: .meanAbsoluteError, threads: 2, kernels: set)
            let inputs = FeatureMap<Float>(nhwc: values, shape: [6, 24, 24, 1])
            let targets = FeatureMap<Float>(nhwc: values.map { $0 * 0.5 }, shape: [6, 24, 24, 1])
            for _ in 0..<3 { trainer.step(inputs: inputs, targets: targets) }
            parameters[set] = trainer.model.parameters.flatMap(\.values)
            predictions[set] = Predictor(model: trainer.model, threads: 2, kernels: set).predict(inputs).nhwc()
        }
        let portable = parameters[.portable]!
        for set in Self.sets {
            #expect(Self.relativeDifference(parameters[set]!, portable) < 1e-3, "\(set) parameters after three steps")
            #expect(Self.relativeDifference(predictions[set]!, predictions[.portable]!) < 1e-3, "\(set) predictions")
        }
        if let avx2 = parameters[.avx2], let avx512 = parameters[.avx512] {
            #expect(avx2 == avx512)
            #expect(predictions[.avx2]! == predictions[.avx512]!)
        }
    }

    /// Training repeats bit for bit with the same seeds on one and two threads, for each set.
    @Test(arguments: KernelSet.supported)
    func trainingIsRepeatableOnAnyNumberOfThreads(set: KernelSet) {
        func run(threads: Int) -> [Float] {
            let trainer = Trainer(model: DiffusionResNet<Float>(depth: 2, channels: 1, seed: 8),
                                  optimizer: Adam(schedule: .constant(0.01)), loss: .meanAbsoluteError, threads: threads, kernels: set)
            var g = SeededGenerator(seed: 9)
            let values = (0..<(12 * 16 * 16)).map { _ in Float.random(in: 0...1, using: &g) }
            let data = TrainingSet(samples: values, targets: values.map { $0 * 0.5 }, shape: [12, 16, 16, 1])
            for _ in 0..<2 { trainer.fit(epoch: data, batchSize: 5, generator: &g) }
            return trainer.model.parameters.flatMap(\.values)
        }
        let reference = run(threads: 1)
        for _ in 0..<2 { #expect(run(threads: 2) == reference) }
    }
}
