/// Element-wise sum of two maps of the same shape, `output = a + b`.
///
/// Its backward pass is the identity on both inputs, so callers pass the output gradient
/// on to both branches; ``Add/accumulate(_:into:context:)`` sums two gradients where a
/// map feeds two layers.
public final class Add<Scalar: NNScalar> {
    private let output = FeatureMap<Scalar>()

    /// Creates the layer.
    public init() {}

    /// Returns `a + b` (owned by this layer).
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func forward(_ a: FeatureMap<Scalar>, _ b: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        precondition(a.hasSameShape(as: b), "Add: shapes differ (\(a.shapeNHWC) vs \(b.shapeNHWC))")
        output.resize(like: a)
        let per = a.channels * a.planeSize, x = a.planes, y = b.planes, z = output.planes, kernels = context.kernels
        context.pool.run(tasks: a.batch) { n, _ in
            VectorKernels.add(x(n, 0), y(n, 0), into: z(n, 0), count: per, kernels: kernels)
        }
        return output
    }

    /// `target += addend`, element-wise.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public static func accumulate(_ addend: FeatureMap<Scalar>, into target: FeatureMap<Scalar>, context: PassContext) {
        precondition(addend.hasSameShape(as: target), "Add.accumulate: shapes differ")
        let per = target.channels * target.planeSize, x = addend.planes, z = target.planes, kernels = context.kernels
        context.pool.run(tasks: target.batch) { n, _ in
            VectorKernels.add(z(n, 0), x(n, 0), into: z(n, 0), count: per, kernels: kernels)
        }
    }
}
