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
        let per = input.channels * input.planeSize, x = input.planes, y = output.planes, kernels = context.kernels
        let slope = Self.scale, negativeScale = Self.scale * Self.alpha
        context.pool.run(tasks: input.batch) { n, _ in
            VectorKernels.selu(x(n, 0), into: y(n, 0), count: per, slope: slope, negativeScale: negativeScale, shift: 0, kernels: kernels)
        }
        return output
    }

    /// The derivative from the output: `λ` where `y > 0`, else `y + λ·α`.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        precondition(outputGradient.hasSameShape(as: output), "SELU.backward: gradient shape differs from output")
        inputGradient.resize(like: output)
        let per = output.channels * output.planeSize, kernels = context.kernels
        let y = output.planes, dy = outputGradient.planes, dx = inputGradient.planes
        let slope = Self.scale, slopeAlpha = Self.scale * Self.alpha
        context.pool.run(tasks: output.batch) { n, _ in
            VectorKernels.seluDerivative(y(n, 0), dy(n, 0), into: dx(n, 0), count: per, slope: slope, slopeAlpha: slopeAlpha, kernels: kernels)
        }
        return inputGradient
    }
}
