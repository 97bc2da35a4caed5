/// Fused element-wise passes of the inference path, in place: where training keeps every
/// intermediate map for the backward pass, inference folds SELU, batch normalisation
/// (an affine map per channel with moving statistics) and additions into one pass over a
/// convolution's output, so a sample's maps stay in cache.
enum Elementwise<Scalar: NNScalar> {
    /// `x ← scale[c]·selu(x + addend) + shift[c]` per channel `c`, with `addend` and the affine
    /// part optional; the batch is split over the pool.
    static func apply(
        _ x: FeatureMap<Scalar>, adding addend: FeatureMap<Scalar>? = nil, selu: Bool,
        affine: (scale: UnsafePointer<Scalar>, shift: UnsafePointer<Scalar>)? = nil, context: PassContext
    ) {
        if let addend { precondition(addend.hasSameShape(as: x), "Elementwise: shapes differ") }
        let hw = x.planeSize, C = x.channels, planes = x.planes, addends = addend?.planes, kernels = context.kernels
        let lambda = SELU<Scalar>.scale, lambdaAlpha = SELU<Scalar>.scale * SELU<Scalar>.alpha
        context.pool.run(tasks: x.batch) { n, _ in
            for c in 0..<C {
                let p = planes(n, c)
                let scale = affine?.scale[c] ?? 1, shift = affine?.shift[c] ?? 0
                if let addends {
                    VectorKernels.add(p, addends(n, c), into: p, count: hw, kernels: kernels)
                }
                if selu {
                    // scale·selu(v) + shift, in one pass.
                    VectorKernels.selu(p, into: p, count: hw, slope: lambda * scale, negativeScale: lambdaAlpha * scale,
                                       shift: shift, kernels: kernels)
                } else if affine != nil {
                    VectorKernels.affine(p, scale: scale, shift: shift, into: p, count: hw, kernels: kernels)
                }
            }
        }
    }
}

extension BatchNormalization {
    /// The inference-mode affine map, `y = scale·x + shift`, written into `buffer` (2·channels values).
    func inferenceAffine(into buffer: UnsafeMutablePointer<Scalar>) -> (scale: UnsafePointer<Scalar>, shift: UnsafePointer<Scalar>) {
        for c in 0..<channels {
            let scale = gamma.pointer[c] / (movingVariance.pointer[c] + epsilon).squareRoot()
            buffer[c] = scale
            buffer[channels + c] = beta.pointer[c] - movingMean.pointer[c] * scale
        }
        return (UnsafePointer(buffer), UnsafePointer(buffer + channels))
    }
}
