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

    public init() {}

    public func forward(_ input: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        output.resize(like: input)
        let per = input.channels * input.planeSize
        context.pool.run(tasks: input.batch) { n, _ in
            Self.apply(input.plane(n, 0), into: self.output.plane(n, 0), count: per)
        }
        return output
    }

    /// The derivative from the output: `λ` where `y > 0`, else `y + λ·α`.
    public func backward(_ outputGradient: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        precondition(outputGradient.hasSameShape(as: output), "SELU.backward: gradient shape differs from output")
        inputGradient.resize(like: output)
        let per = output.channels * output.planeSize
        let scale = Self.scale, scaleAlpha = Self.scale * Self.alpha
        context.pool.run(tasks: output.batch) { n, _ in
            let y = self.output.plane(n, 0), d = outputGradient.plane(n, 0), dx = self.inputGradient.plane(n, 0)
            for i in 0..<per { dx[i] = d[i] * (y[i] > 0 ? scale : y[i] + scaleAlpha) }
        }
        return inputGradient
    }

    /// `y[i] = selu(x[i])` for `i < count` (x and y may be the same).
    @inline(__always)
    static func apply(_ x: UnsafePointer<Scalar>, into y: UnsafeMutablePointer<Scalar>, count: Int) {
        let scale = Self.scale, scaleAlpha = Self.scale * Self.alpha
        for i in 0..<count {
            let v = x[i]
            y[i] = v > 0 ? scale * v : scaleAlpha * (Scalar.exp(v) - 1)
        }
    }
}
