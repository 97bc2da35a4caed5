import CTandemKernels

/// The innermost loop of every direct convolution: one output row for a block of output
/// channels, as a sum of shifted input rows ("taps") times scalar weights, vectorised
/// along the row in chunks of eight.
///
/// `row[c][x] = bias[c] + Σ_t src[taps[t] + x] · weights[t · weightStride + c]` for the
/// channels `c` in `0..<outCount` (offset by `firstOut` in `weights` and `bias`) and `x` in
/// `0..<width`. Reads run up to the next multiple of eight past `width`; callers pad their
/// buffers so those reads stay inside finite, allocated memory. Writes stop at `width`.
///
/// `Float` runs the C kernel of the pass's ``KernelSet`` (`tk_convolution_rows`); other
/// scalars run the Swift loops below.
enum RowKernel<Scalar: NNScalar> {
    typealias Vector = SIMD8<Scalar>

    @inline(__always)
    static func load(_ p: UnsafePointer<Scalar>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Scalar>, count: Int) {
        if count >= 8 {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
        } else {
            for lane in 0..<count { p[lane] = v[lane] }
        }
    }

    /// Computes the rows of output channels `firstOut ..< firstOut + outCount`.
    /// Row `c` is written at `dst + c · dstStride` (c counted from `firstOut`).
    @inline(__always)
    static func rows(
        src: UnsafePointer<Scalar>, taps: UnsafePointer<Int>, tapCount: Int,
        weights: UnsafePointer<Scalar>, weightStride: Int, bias: UnsafePointer<Scalar>?,
        firstOut: Int, outCount: Int,
        dst: UnsafeMutablePointer<Scalar>, dstStride: Int, width: Int, kernels: KernelSet
    ) {
        if Scalar.self == Float.self {
            tk_convolution_rows(kernels.code, floats(src), taps, tapCount, floats(weights + firstOut), weightStride,
                                bias.map { floats($0 + firstOut) }, outCount, floats(dst), dstStride, width)
            return
        }
        var c = 0
        while c + 4 <= outCount {
            block4(src: src, taps: taps, tapCount: tapCount, weights: weights + firstOut + c, weightStride: weightStride,
                   bias: bias.map { $0 + firstOut + c }, dst: dst + c * dstStride, dstStride: dstStride, width: width)
            c += 4
        }
        while c < outCount {
            block1(src: src, taps: taps, tapCount: tapCount, weights: weights + firstOut + c, weightStride: weightStride,
                   bias: bias.map { $0[firstOut + c] } ?? 0, dst: dst + c * dstStride, width: width)
            c += 1
        }
    }

    @inline(__always)
    static func block4(
        src: UnsafePointer<Scalar>, taps: UnsafePointer<Int>, tapCount: Int,
        weights: UnsafePointer<Scalar>, weightStride: Int, bias: UnsafePointer<Scalar>?,
        dst: UnsafeMutablePointer<Scalar>, dstStride: Int, width: Int
    ) {
        let b0 = bias?[0] ?? 0, b1 = bias?[1] ?? 0, b2 = bias?[2] ?? 0, b3 = bias?[3] ?? 0
        var x = 0
        while x < width {
            var a0 = Vector(repeating: b0), a1 = Vector(repeating: b1)
            var a2 = Vector(repeating: b2), a3 = Vector(repeating: b3)
            var w = weights
            for t in 0..<tapCount {
                let v = load(src + taps[t] + x)
                a0 += v * w[0]
                a1 += v * w[1]
                a2 += v * w[2]
                a3 += v * w[3]
                w += weightStride
            }
            let left = width - x
            store(a0, dst + x, count: left)
            store(a1, dst + dstStride + x, count: left)
            store(a2, dst + 2 * dstStride + x, count: left)
            store(a3, dst + 3 * dstStride + x, count: left)
            x += 8
        }
    }

    @inline(__always)
    static func block1(
        src: UnsafePointer<Scalar>, taps: UnsafePointer<Int>, tapCount: Int,
        weights: UnsafePointer<Scalar>, weightStride: Int, bias: Scalar,
        dst: UnsafeMutablePointer<Scalar>, width: Int
    ) {
        var x = 0
        while x + 16 <= width {
            var a0 = Vector(repeating: bias), a1 = Vector(repeating: bias)
            var w = weights
            for t in 0..<tapCount {
                let p = src + taps[t] + x
                a0 += load(p) * w[0]
                a1 += load(p + 8) * w[0]
                w += weightStride
            }
            store(a0, dst + x, count: 8)
            store(a1, dst + x + 8, count: 8)
            x += 16
        }
        while x < width {
            var a0 = Vector(repeating: bias)
            var w = weights
            for t in 0..<tapCount {
                a0 += load(src + taps[t] + x) * w[0]
                w += weightStride
            }
            store(a0, dst + x, count: width - x)
            x += 8
        }
    }
}
