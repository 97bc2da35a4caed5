import TandemTensor

/// Drops whole channels in training, as Keras' `SpatialDropout2D`: each (sample, channel)
/// plane is zeroed with probability `rate` and the kept planes are scaled by `1/(1 − rate)`.
/// Inference mode passes the input through. The masks come from the layer's own seeded
/// generator, so a run repeats exactly.
public final class SpatialDropout2D<Scalar: NNScalar>: Layer {
    /// The probability of dropping a channel.
    public let rate: Double
    /// The generator that draws the masks.
    public var generator: SeededGenerator
    public var parameters: [Parameter<Scalar>] { [] }
    private var mask: [Scalar] = []
    private var lastTraining = false
    private let output = FeatureMap<Scalar>()
    private let inputGradient = FeatureMap<Scalar>()

    /// - Precondition: `0 ≤ rate < 1`.
    public init(rate: Double, seed: UInt64) {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
        self.rate = rate
        generator = SeededGenerator(seed: seed)
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func forward(_ input: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        lastTraining = context.training && rate > 0
        guard lastTraining else { return input }
        let planes = input.batch * input.channels
        let keep = Scalar(1 / (1 - rate))
        mask.removeAll(keepingCapacity: true)
        for _ in 0..<planes { mask.append(Double.random(in: 0..<1, using: &generator) < rate ? 0 : keep) }
        output.resize(like: input)
        apply(input, into: output, context: context)
        return output
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        guard lastTraining else { return outputGradient }
        inputGradient.resize(like: outputGradient)
        apply(outputGradient, into: inputGradient, context: context)
        return inputGradient
    }

    private func apply(_ x: FeatureMap<Scalar>, into y: FeatureMap<Scalar>, context: PassContext) {
        mask.withUnsafeBufferPointer { m in
            let hw = x.planeSize, C = x.channels
            context.pool.run(tasks: x.batch) { n, _ in
                for c in 0..<C {
                    let f = m[n * C + c], src = x.plane(n, c), dst = y.plane(n, c)
                    for i in 0..<hw { dst[i] = src[i] * f }
                }
            }
        }
    }
}
