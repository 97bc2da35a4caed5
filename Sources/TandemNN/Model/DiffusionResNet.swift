import TandemTensor

/// The heat-diffusion surrogate: a residual encoder–decoder with skip connections,
/// exactly as Documentation/HeatDiffusion.md, "DiffusionResNet" specifies.
///
/// Encoder `E_i = ResBlock(c·2^i, stride 2)` (i = 1…d), skips `S_i = SELU(Conv3x3(c·2^i))`
/// (i = 0…d−1), decoder `D_i = ResBlockTranspose(c·2^(d−i), stride 2)`. Forward:
/// `r_1 = SpatialDropout(0.4)(E_1(x))`, `r_i = E_i(r_{i−1})`, `z = D_1(r_d)`,
/// `z = D_{i+1}(SELU(z + S_{d−i}(r_{d−i})))` for i = 1…d−1, `z = SELU(S_0(x) + z)`,
/// `out = BN(SpatialDropout(0.4)(z))`.
///
/// Each decoder block maps onto the exact grid of the encoder level it meets, so odd sizes
/// work at every depth (100 → 50 → 25 → 13 → … and back); for even sizes this is Keras'
/// `input · 2`. Inputs and outputs are `[N, H, W, c]` (NHWC, Keras layout).
///
/// ```swift
/// let model = DiffusionResNet<Float>(depth: 4, channels: 1, seed: 42)
/// model.parameterCount   // (total: 8504, trainable: 8322)
/// ```
public final class DiffusionResNet<Scalar: NNScalar>: Network {
    /// The number of encoder (and decoder) blocks.
    public let depth: Int
    /// The number of input (and output) channels, c.
    public let channels: Int
    /// The encoder blocks E₁…E_d.
    public let encoders: [ResBlock<Conv2D<Scalar>>]
    /// The skip convolutions S₀…S_{d−1} (their SELU is applied by the network).
    public let skips: [Conv2D<Scalar>]
    /// The decoder blocks D₁…D_d.
    public let decoders: [ResBlock<Conv2DTranspose<Scalar>>]
    /// The dropout after E₁ (its generator may be reseeded).
    public let inputDropout: SpatialDropout2D<Scalar>
    /// The dropout before the output normalisation.
    public let outputDropout: SpatialDropout2D<Scalar>
    /// The output batch normalisation.
    public let outputNorm: BatchNormalization<Scalar>
    private let skipActivations: [SELU<Scalar>]
    private let joins: [Add<Scalar>]
    private let joinActivations: [SELU<Scalar>]
    private let outputAffine = Workspace<Scalar>()

    /// Builds the network with Glorot-uniform kernels drawn from `seed` (dropout masks
    /// from seeds derived from it), so equal seeds give equal networks and runs.
    ///
    /// - Precondition: `depth ≥ 1`, `channels ≥ 1`.
    public init(depth: Int, channels: Int = 1, seed: UInt64 = 0) {
        precondition(depth >= 1 && channels >= 1, "DiffusionResNet needs depth ≥ 1 and channels ≥ 1")
        self.depth = depth
        self.channels = channels
        var generator = SeededGenerator(seed: seed)
        encoders = (1...depth).map { i in
            ResBlock(name: "E\(i)", inputChannels: channels << (i - 1), filters: channels << i, stride: 2, generator: &generator)
        }
        skips = (0..<depth).map { i in
            Conv2D(name: "S\(i)", inputChannels: channels << i, filters: channels << i, kernel: 3, stride: 1, generator: &generator)
        }
        decoders = (1...depth).map { i in
            ResBlock(name: "D\(i)", inputChannels: channels << (depth - i + 1), filters: channels << (depth - i), stride: 2, generator: &generator)
        }
        inputDropout = SpatialDropout2D(rate: 0.4, seed: generator.next())
        outputDropout = SpatialDropout2D(rate: 0.4, seed: generator.next())
        outputNorm = BatchNormalization(name: "out.bn", channels: channels)
        skipActivations = (0..<depth).map { _ in SELU() }
        joins = (0..<depth).map { _ in Add() }
        joinActivations = (0..<depth).map { _ in SELU() }
    }

    /// A network with `other`'s parameters (the same objects) and its own buffers and
    /// dropout generators: a replica for running inference on another thread.
    public init(sharing other: DiffusionResNet) {
        depth = other.depth
        channels = other.channels
        encoders = other.encoders.map { ResBlock(sharing: $0) }
        skips = other.skips.map { Conv2D(sharing: $0) }
        decoders = other.decoders.map { ResBlock(sharing: $0) }
        inputDropout = SpatialDropout2D(rate: other.inputDropout.rate, seed: 0)
        outputDropout = SpatialDropout2D(rate: other.outputDropout.rate, seed: 0)
        outputNorm = BatchNormalization(sharing: other.outputNorm)
        skipActivations = (0..<depth).map { _ in SELU() }
        joins = (0..<depth).map { _ in Add() }
        joinActivations = (0..<depth).map { _ in SELU() }
    }

    /// `"DiffusionResNet(depth: d, channels: c)"`.
    public var architecture: String { "DiffusionResNet(depth: \(depth), channels: \(channels))" }

    /// Every parameter, trainable or not, in a fixed order (checkpoints rely on it).
    public var parameters: [Parameter<Scalar>] {
        encoders.flatMap(\.parameters) + skips.flatMap(\.parameters) + decoders.flatMap(\.parameters) + outputNorm.parameters
    }

    /// The number of values, all and trainable only (as Keras' `model.summary()`).
    public var parameterCount: (total: Int, trainable: Int) {
        let all = parameters
        return (all.reduce(0) { $0 + $1.count }, all.filter(\.isTrainable).reduce(0) { $0 + $1.count })
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        precondition(x.channels == channels, "DiffusionResNet expects \(channels) channels, got \(x.channels)")
        var levels = [x]   // a local: no access checks on a mutated property
        levels.append(inputDropout.forward(encoders[0].forward(x, context: context), context: context))
        for i in 1..<depth { levels.append(encoders[i].forward(levels[i], context: context)) }
        var z = decoders[0].forward(levels[depth], outputSize: Self.size(levels[depth - 1]), context: context)
        for i in 1..<depth {
            let level = depth - i
            let skip = skipActivations[level].forward(skips[level].forward(levels[level], context: context), context: context)
            let joined = joinActivations[level].forward(joins[level].forward(z, skip, context: context), context: context)
            z = decoders[i].forward(joined, outputSize: Self.size(levels[level - 1]), context: context)
        }
        let skip = skipActivations[0].forward(skips[0].forward(x, context: context), context: context)
        z = joinActivations[0].forward(joins[0].forward(skip, z, context: context), context: context)
        return outputNorm.forward(outputDropout.forward(z, context: context), context: context)
    }

    /// The inference-mode output, as ``forward(_:context:)`` with `training: false` computes
    /// it, but in place with fused element-wise passes: about a third of the memory traffic.
    /// The returned map belongs to the model; ``backward(_:context:)`` cannot follow it.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func infer(_ x: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        precondition(x.channels == channels, "DiffusionResNet expects \(channels) channels, got \(x.channels)")
        var levels = [x]
        levels.append(encoders[0].infer(x, context: context))
        for i in 1..<depth { levels.append(encoders[i].infer(levels[i], context: context)) }
        var z = decoders[0].infer(levels[depth], outputSize: Self.size(levels[depth - 1]), context: context)
        for i in 1..<depth {
            let level = depth - i
            let joined = skips[level].forward(levels[level], context: context)
            Elementwise.apply(joined, selu: true, context: context)
            Elementwise.apply(joined, adding: z, selu: true, context: context)
            z = decoders[i].infer(joined, outputSize: Self.size(levels[level - 1]), context: context)
        }
        let out = skips[0].forward(x, context: context)
        Elementwise.apply(out, selu: true, context: context)
        Elementwise.apply(out, adding: z, selu: true, affine: outputNorm.inferenceAffine(into: outputAffine.reserve(2 * channels)), context: context)
        return out
    }

    private static func size(_ map: FeatureMap<Scalar>) -> (height: Int, width: Int) { (map.height, map.width) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ gradient: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        let joined = joinActivations[0].backward(outputDropout.backward(outputNorm.backward(gradient, context: context), context: context), context: context)
        let input = skips[0].backward(skipActivations[0].backward(joined, context: context), context: context)
        var z = joined
        for i in stride(from: depth - 1, through: 1, by: -1) {
            let level = depth - i
            let sum = joinActivations[level].backward(decoders[i].backward(z, context: context), context: context)
            _ = skips[level].backward(skipActivations[level].backward(sum, context: context), context: context)
            z = sum
        }
        var g = decoders[0].backward(z, context: context)
        for i in stride(from: depth, through: 2, by: -1) {
            g = encoders[i - 1].backward(g, context: context)
            Add.accumulate(skipInputGradient(i - 1), into: g, context: context)
        }
        g = encoders[0].backward(inputDropout.backward(g, context: context), context: context)
        Add.accumulate(g, into: input, context: context)
        return input
    }

    /// The input gradient `S_level` computed in this backward pass.
    private func skipInputGradient(_ level: Int) -> FeatureMap<Scalar> { skips[level].lastInputGradient }
}
