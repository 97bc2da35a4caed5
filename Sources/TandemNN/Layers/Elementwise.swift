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
        let hw = x.planeSize, C = x.channels
        context.pool.run(tasks: x.batch) { n, _ in
            for c in 0..<C {
                let p = x.plane(n, c)
                let q: UnsafePointer<Scalar>? = addend.map { UnsafePointer($0.plane(n, c)) }
                let scale = affine?.scale[c] ?? 1, shift = affine?.shift[c] ?? 0
                if let q {
                    for i in 0..<hw { p[i] += q[i] }
                }
                if selu {
                    seluAffine(p, count: hw, scale: scale, shift: shift)
                } else if affine != nil {
                    for i in 0..<hw { p[i] = p[i] * scale + shift }
                }
            }
        }
    }

    /// `p[i] ← scale·selu(p[i]) + shift`, branch-free so it vectorises.
    @inline(__always)
    static func seluAffine(_ p: UnsafeMutablePointer<Scalar>, count: Int, scale: Scalar, shift: Scalar) {
        let positive = SELU<Scalar>.scale * scale, negative = SELU<Scalar>.scale * SELU<Scalar>.alpha * scale
        for i in 0..<count {
            let v = p[i]
            let e = negative * (Scalar.fastExp(v < 0 ? v : 0) - 1)
            p[i] = (v > 0 ? positive * v : e) + shift
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
