import TandemTensor

/// Glorot (Xavier) uniform initialisation as Keras does it: values uniform in `[−l, l]`
/// with `l = √(6 / (fanIn + fanOut))`; for a convolution kernel `[kh, kw, a, b]`,
/// `fanIn = kh·kw·a` and `fanOut = kh·kw·b`.
public enum GlorotUniform {
    /// Fills `parameter` from `generator`.
    public static func fill<Scalar: NNScalar>(_ parameter: Parameter<Scalar>, using generator: inout SeededGenerator) {
        let shape = parameter.shape
        let receptive = shape.dropLast(2).reduce(1, *)
        let fanIn = receptive * (shape.count >= 2 ? shape[shape.count - 2] : shape[0])
        let fanOut = receptive * shape[shape.count - 1]
        let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
        for i in 0..<parameter.count {
            parameter.pointer[i] = Scalar(Double.random(in: -limit...limit, using: &generator))
        }
    }
}
