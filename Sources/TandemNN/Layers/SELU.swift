/// The scaled exponential linear unit: `λ·x` for `x > 0`, `λ·α·(eˣ − 1)` otherwise, with
/// λ ≈ 1.0507 and α ≈ 1.6733 (Klambauer et al., as Keras and PyTorch define it).
public final class SELU<Scalar: NNScalar>: Layer {
    /// λ.
    public static var scale: Scalar { Scalar(1.0507009873554804934193349852946) }
    /// α.
    public static var alpha: Scalar { Scalar(1.6732632423543772848170429916717) }
    public var parameters: [Parameter<Scalar>] { [] }
    private let output = FeatureMap<Scalar>()
    private let inputGradient = FeatureMap<Scalar>()

    /// Creates the layer.
    public init() {}

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func forward(_ input: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        output.resize(like: input)
        let per = input.channels * input.planeSize
        context.pool.run(tasks: input.batch) { n, _ in
            Self.apply(input.plane(n, 0), into: self.output.plane(n, 0), count: per)
        }
        return output
    }

    /// The derivative from the output: `λ` where `y > 0`, else `y + λ·α`.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        precondition(outputGradient.hasSameShape(as: output), "SELU.backward: gradient shape differs from output")
        inputGradient.resize(like: output)
        let per = output.channels * output.planeSize
        context.pool.run(tasks: output.batch) { n, _ in
            Self.derivative(self.output.plane(n, 0), outputGradient.plane(n, 0), into: self.inputGradient.plane(n, 0), count: per)
        }
        return inputGradient
    }

    /// `y[i] = selu(x[i])` for `i < count` (x and y may be the same). Branch-free so it vectorises.
    @inline(__always)
    static func apply(_ x: UnsafePointer<Scalar>, into y: UnsafeMutablePointer<Scalar>, count: Int) {
        let scale = Self.scale, scaleAlpha = Self.scale * Self.alpha
        for i in 0..<count {
            let v = x[i]
            let negative = scaleAlpha * (Scalar.fastExp(v < 0 ? v : 0) - 1)
            y[i] = v > 0 ? scale * v : negative
        }
    }

    /// `dx[i] = dy[i] · selu′` from the output `y`: `λ` where `y > 0`, else `y + λα`.
    @inline(__always)
    static func derivative(_ y: UnsafePointer<Scalar>, _ dy: UnsafePointer<Scalar>, into dx: UnsafeMutablePointer<Scalar>, count: Int) {
        let scale = Self.scale, scaleAlpha = Self.scale * Self.alpha
        for i in 0..<count {
            let v = y[i]
            dx[i] = dy[i] * (v > 0 ? scale : v + scaleAlpha)
        }
    }
}
