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
        let per = a.channels * a.planeSize
        context.pool.run(tasks: a.batch) { n, _ in
            let x = a.plane(n, 0), y = b.plane(n, 0), z = self.output.plane(n, 0)
            for i in 0..<per { z[i] = x[i] + y[i] }
        }
        return output
    }

    /// `target += addend`, element-wise.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public static func accumulate(_ addend: FeatureMap<Scalar>, into target: FeatureMap<Scalar>, context: PassContext) {
        precondition(addend.hasSameShape(as: target), "Add.accumulate: shapes differ")
        let per = target.channels * target.planeSize
        context.pool.run(tasks: target.batch) { n, _ in
            let x = addend.plane(n, 0), z = target.plane(n, 0)
            for i in 0..<per { z[i] += x[i] }
        }
    }
}
