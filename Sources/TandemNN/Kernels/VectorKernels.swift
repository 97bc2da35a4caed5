import CTandemKernels

/// The element-wise and reduction loops of the layers and the optimizer: `Float` runs the
/// C kernels of the pass's ``KernelSet``; other scalars (`Double`, for gradient checks) run
/// the generic Swift loops here. Reductions keep a fixed order, so a plane's sum is the same
/// whichever thread computes it.
enum VectorKernels<Scalar: NNScalar> {
    typealias Vector = SIMD8<Scalar>

    /// `Σ p[i]`.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Scalar>, count: Int, kernels: KernelSet) -> Scalar {
        if Scalar.self == Float.self { return Scalar(tk_sum(kernels.code, floats(p), count)) }
        var acc = Vector()
        var i = 0
        while i + 8 <= count { acc += RowKernel.load(p + i); i += 8 }
        var total = acc.sum()
        while i < count { total += p[i]; i += 1 }
        return total
    }

    /// `Σ (p[i] − mean)²`.
    @inline(__always)
    static func squaredDeviation(_ p: UnsafePointer<Scalar>, mean: Scalar, count: Int, kernels: KernelSet) -> Scalar {
        if Scalar.self == Float.self { return Scalar(tk_squared_deviation(kernels.code, floats(p), count, Float(mean))) }
        var acc = Vector()
        let m = Vector(repeating: mean)
        var i = 0
        while i + 8 <= count { let d = RowKernel.load(p + i) - m; acc += d * d; i += 8 }
        var total = acc.sum()
        while i < count { let d = p[i] - mean; total += d * d; i += 1 }
        return total
    }

    /// `Σ a[i]·(b[i] − shift)`.
    @inline(__always)
    static func dotShifted(_ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, shift: Scalar, count: Int, kernels: KernelSet) -> Scalar {
        if Scalar.self == Float.self { return Scalar(tk_dot_shifted(kernels.code, floats(a), floats(b), count, Float(shift))) }
        var acc = Vector()
        let s = Vector(repeating: shift)
        var i = 0
        while i + 8 <= count { acc += RowKernel.load(a + i) * (RowKernel.load(b + i) - s); i += 8 }
        var total = acc.sum()
        while i < count { total += a[i] * (b[i] - shift); i += 1 }
        return total
    }

    /// `y[i] = x[i]·scale + shift` (`x` and `y` may be the same).
    @inline(__always)
    static func affine(_ x: UnsafePointer<Scalar>, scale: Scalar, shift: Scalar, into y: UnsafeMutablePointer<Scalar>, count: Int, kernels: KernelSet) {
        if Scalar.self == Float.self { return tk_affine(kernels.code, floats(x), floats(y), count, Float(scale), Float(shift)) }
        for i in 0..<count { y[i] = x[i] * scale + shift }
    }

    /// `y[i] = (x[i] > 0 ? slope·x[i] : negativeScale·(e^x[i] − 1)) + shift` (`x` and `y` may be the same).
    @inline(__always)
    static func selu(_ x: UnsafePointer<Scalar>, into y: UnsafeMutablePointer<Scalar>, count: Int,
                     slope: Scalar, negativeScale: Scalar, shift: Scalar, kernels: KernelSet) {
        if Scalar.self == Float.self {
            return tk_selu(kernels.code, floats(x), floats(y), count, Float(slope), Float(negativeScale), Float(shift))
        }
        for i in 0..<count {
            let v = x[i]
            let negative = negativeScale * (Scalar.fastExp(v < 0 ? v : 0) - 1)
            y[i] = (v > 0 ? slope * v : negative) + shift
        }
    }

    /// `dx[i] = dy[i]·(y[i] > 0 ? slope : y[i] + slopeAlpha)`.
    @inline(__always)
    static func seluDerivative(_ y: UnsafePointer<Scalar>, _ dy: UnsafePointer<Scalar>, into dx: UnsafeMutablePointer<Scalar>, count: Int,
                               slope: Scalar, slopeAlpha: Scalar, kernels: KernelSet) {
        if Scalar.self == Float.self {
            return tk_selu_derivative(kernels.code, floats(y), floats(dy), floats(dx), count, Float(slope), Float(slopeAlpha))
        }
        for i in 0..<count {
            let v = y[i]
            dx[i] = dy[i] * (v > 0 ? slope : v + slopeAlpha)
        }
    }

    /// `z[i] = a[i] + b[i]` (`z` may be `a` or `b`).
    @inline(__always)
    static func add(_ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, into z: UnsafeMutablePointer<Scalar>, count: Int, kernels: KernelSet) {
        if Scalar.self == Float.self { return tk_add(kernels.code, floats(a), floats(b), floats(z), count) }
        for i in 0..<count { z[i] = a[i] + b[i] }
    }

    /// `dx[i] = k·(dy[i] − meanDy − (y[i] − beta)·slope)`: batch normalisation's input gradient.
    @inline(__always)
    static func batchNormGradient(_ dy: UnsafePointer<Scalar>, _ y: UnsafePointer<Scalar>, into dx: UnsafeMutablePointer<Scalar>, count: Int,
                                  k: Scalar, meanDy: Scalar, beta: Scalar, slope: Scalar, kernels: KernelSet) {
        if Scalar.self == Float.self {
            return tk_batch_norm_gradient(kernels.code, floats(dy), floats(y), floats(dx), count, Float(k), Float(meanDy), Float(beta), Float(slope))
        }
        for i in 0..<count { dx[i] = k * (dy[i] - meanDy - (y[i] - beta) * slope) }
    }

    /// One Adam step over `count` values (see ``Adam``).
    @inline(__always)
    static func adam(_ value: UnsafeMutablePointer<Scalar>, gradient: UnsafePointer<Scalar>, m: UnsafeMutablePointer<Scalar>,
                     v: UnsafeMutablePointer<Scalar>, count: Int, rate: Scalar, b1: Scalar, b2: Scalar, epsilon: Scalar,
                     kernels: KernelSet) {
        if Scalar.self == Float.self {
            return tk_adam(kernels.code, floats(value), floats(gradient), floats(m), floats(v), count,
                           Float(rate), Float(b1), Float(b2), Float(epsilon))
        }
        for i in 0..<count {
            let g = gradient[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            value[i] -= rate * m[i] / (v[i].squareRoot() + epsilon)
        }
    }
}

/// The same memory seen as `Float` (callers check `Scalar.self == Float.self` first).
@inline(__always)
func floats<Scalar>(_ p: UnsafePointer<Scalar>) -> UnsafePointer<Float> {
    UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
}

/// The same memory seen as `Float` (callers check `Scalar.self == Float.self` first).
@inline(__always)
func floats<Scalar>(_ p: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
}
