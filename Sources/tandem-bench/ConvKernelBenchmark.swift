import ArgumentParser
import CBLAS
import TandemNN
import TandemTensor

/// `tandem-bench infer --cases kernels`: every convolution shape of DiffusionResNet (depth 4,
/// size 64, batch 50) through TandemNN's direct kernels and through im2col + BLAS sgemm
/// (the Keras/TensorFlow way on NHWC), one thread each.
enum ConvKernelBenchmark {
    struct Shape {
        var size: Int, inChannels: Int, outChannels: Int, kernel: Int, stride: Int
    }

    /// The forward convolutions of DiffusionResNet(depth: 4) on 64×64 (transposed ones are
    /// the same work as their adjoint convolutions and are not listed).
    static let shapes: [Shape] = [
        Shape(size: 64, inChannels: 1, outChannels: 2, kernel: 3, stride: 2),
        Shape(size: 32, inChannels: 2, outChannels: 2, kernel: 3, stride: 1),
        Shape(size: 32, inChannels: 2, outChannels: 4, kernel: 3, stride: 2),
        Shape(size: 16, inChannels: 4, outChannels: 4, kernel: 3, stride: 1),
        Shape(size: 16, inChannels: 4, outChannels: 8, kernel: 3, stride: 2),
        Shape(size: 8, inChannels: 8, outChannels: 8, kernel: 3, stride: 1),
        Shape(size: 8, inChannels: 8, outChannels: 16, kernel: 3, stride: 2),
        Shape(size: 4, inChannels: 16, outChannels: 16, kernel: 3, stride: 1),
        Shape(size: 64, inChannels: 1, outChannels: 1, kernel: 3, stride: 1),
        Shape(size: 64, inChannels: 1, outChannels: 2, kernel: 1, stride: 2),
    ]

    static func run(batch: Int, quick: Bool) {
        openblas_set_num_threads(1)
        let pool = ComputePool(threads: 1)
        let context = PassContext(pool: pool, training: false)
        var generator = SeededGenerator(seed: 3)
        for shape in shapes {
            let conv = Conv2D<Float>(name: "c", inputChannels: shape.inChannels, filters: shape.outChannels,
                                     kernel: shape.kernel, stride: shape.stride, generator: &generator)
            let count = batch * shape.size * shape.size * shape.inChannels
            let nhwc = (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
            let input = FeatureMap<Float>(nhwc: nhwc, shape: [batch, shape.size, shape.size, shape.inChannels])
            let repeats = quick ? 5 : 50
            let direct = measureMedian(warmup: 3, repeats: repeats) { _ = conv.forward(input, context: context) }

            let im2col = Im2Col(shape: shape, batch: batch)
            let weights = conv.kernel.values
            var columns = [Float](repeating: 0, count: im2col.rows * im2col.depth)
            var output = [Float](repeating: 0, count: im2col.rows * shape.outChannels)
            let gemmOnly = measureMedian(warmup: 3, repeats: repeats) { im2col.multiply(columns, weights, into: &output) }
            let total = measureMedian(warmup: 3, repeats: repeats) {
                im2col.fill(nhwc, into: &columns)
                im2col.multiply(columns, weights, into: &output)
            }
            // Same numbers both ways (NHWC vs planar: one channel compares directly).
            let reference = conv.forward(input, context: context).nhwc()
            var worst: Float = 0
            for i in 0..<output.count { worst = max(worst, abs(output[i] - reference[i])) }
            let macs = Double(im2col.rows * im2col.depth * shape.outChannels)
            BenchmarkRecord(bench: "infer", case: "conv_kernel", [
                "size": shape.size, "in": shape.inChannels, "out": shape.outChannels, "kernel": shape.kernel,
                "stride": shape.stride, "batch": batch, "kernels": KernelSet.active.rawValue, "threads": 1,
                "median_ms": direct, "gmac_per_s": macs / direct / 1e6,
                "peer": "im2col+openblas-sgemm", "peer_median_ms": total, "peer_gemm_only_ms": gemmOnly,
                "ratio": total / direct, "max_abs_difference": Double(worst),
            ]).emit()
        }
    }

    /// im2col on NHWC input with TensorFlow "same" padding, then `[P × k²Cin]·[k²Cin × Cout]`.
    struct Im2Col {
        let shape: Shape, batch: Int, outSize: Int, pad: Int, rows: Int, depth: Int

        init(shape: Shape, batch: Int) {
            self.shape = shape
            self.batch = batch
            let geometry = ConvGeometry(kernel: shape.kernel, stride: shape.stride, bigHeight: shape.size, bigWidth: shape.size)
            outSize = geometry.smallHeight
            pad = geometry.padTop
            rows = batch * outSize * outSize
            depth = shape.kernel * shape.kernel * shape.inChannels
        }

        func fill(_ input: [Float], into columns: inout [Float]) {
            let k = shape.kernel, s = shape.stride, ci = shape.inChannels, size = shape.size
            input.withUnsafeBufferPointer { x in
                columns.withUnsafeMutableBufferPointer { col in
                    var r = 0
                    for n in 0..<batch {
                        for oy in 0..<outSize {
                            for ox in 0..<outSize {
                                var d = r * depth
                                for ky in 0..<k {
                                    let iy = oy * s + ky - pad
                                    for kx in 0..<k {
                                        let ix = ox * s + kx - pad
                                        if iy < 0 || iy >= size || ix < 0 || ix >= size {
                                            for c in 0..<ci { col[d + c] = 0 }
                                        } else {
                                            let base = ((n * size + iy) * size + ix) * ci
                                            for c in 0..<ci { col[d + c] = x[base + c] }
                                        }
                                        d += ci
                                    }
                                }
                                r += 1
                            }
                        }
                    }
                }
            }
        }

        func multiply(_ columns: [Float], _ weights: [Float], into output: inout [Float]) {
            columns.withUnsafeBufferPointer { a in
                weights.withUnsafeBufferPointer { b in
                    output.withUnsafeMutableBufferPointer { c in
                        Float.gemm(transA: false, transB: false, m: rows, n: shape.outChannels, k: depth,
                                   alpha: 1, a: a.baseAddress!, lda: depth, b: b.baseAddress!, ldb: shape.outChannels,
                                   beta: 0, c: c.baseAddress!, ldc: shape.outChannels)
                    }
                }
            }
        }
    }
}
