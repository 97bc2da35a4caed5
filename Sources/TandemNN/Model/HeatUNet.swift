import Glibc
import TandemTensor

/// A multi-scale surrogate for steady-state heat diffusion: a U-Net whose output holds the
/// problem's fixed values by construction.
///
/// The steady state is smooth and global (heat from any source reaches the whole plate), so
/// the network halves the grid `levels` times (64 → 32 → 16 → 8 → 4 at `levels: 4`), where
/// a 3×3 convolution sees the whole plate, and comes back up with additive skip
/// connections that restore the detail of each level. Channels grow with depth:
/// `c_l = min(width · 2^l, 4 · width)`.
///
/// - Encoder, level 0: `e_0 = SELU(conv3x3(x))`, `s_0 = SELU(conv3x3(e_0))`;
///   level l ≥ 1: `e_l = SELU(conv3x3/2(s_{l−1}))`, `s_l = SELU(conv3x3(e_l))`.
/// - Decoder, from `z_L = s_L` down to level 0:
///   `z_l = SELU(conv3x3(SELU(convT3x3/2(z_{l+1}) + s_l)))`, the transposed convolution
///   mapping onto the exact grid of level l (odd sizes work).
/// - Output: `y = conv3x3(z_0)` (one channel, linear), then ``DirichletOutput``:
///   `out = x + (1 − x)·m·y`, exactly 1 at sources and 0 on the boundary.
///
/// Inputs and outputs are `[N, H, W, 1]` (NHWC): the source map in, the steady state out.
/// No batch normalisation and no dropout, so training and inference compute the same
/// function, and any grid of at least `2^levels` points per side works.
///
/// ```swift
/// let model = HeatUNet<Float>(levels: 4, width: 8, seed: 42)
/// model.parameterCount.total   // 100,785
/// ```
public final class HeatUNet<Scalar: NNScalar>: Network {
    /// The number of halvings of the grid.
    public let levels: Int
    /// The channels of level 0.
    public let width: Int
    /// The channels of each level, 0…levels.
    public let levelChannels: [Int]
    /// `e_l`'s convolutions (stride 1 at level 0, 2 below).
    public let downs: [Conv2D<Scalar>]
    /// `s_l`'s convolutions.
    public let skips: [Conv2D<Scalar>]
    /// The transposed convolutions from level l+1 onto level l (index l).
    public let ups: [Conv2DTranspose<Scalar>]
    /// The convolutions after each join (index l).
    public let merges: [Conv2D<Scalar>]
    /// The output convolution.
    public let head: Conv2D<Scalar>
    /// The fixed values.
    public let constraint = DirichletOutput<Scalar>()
    private let downActivations: [SELU<Scalar>]
    private let skipActivations: [SELU<Scalar>]
    private let joins: [Add<Scalar>]
    private let joinActivations: [SELU<Scalar>]
    private let mergeActivations: [SELU<Scalar>]

    /// Builds the network with Glorot-uniform kernels drawn from `seed`.
    ///
    /// - Precondition: `levels ≥ 1`, `width ≥ 1`.
    public init(levels: Int = 4, width: Int = 8, seed: UInt64 = 0) {
        precondition(levels >= 1 && width >= 1, "HeatUNet needs levels ≥ 1 and width ≥ 1")
        self.levels = levels
        self.width = width
        let channels = (0...levels).map { min(width << $0, 4 * width) }
        levelChannels = channels
        var generator = SeededGenerator(seed: seed)
        var downs: [Conv2D<Scalar>] = [], skips: [Conv2D<Scalar>] = []
        for l in 0...levels {
            downs.append(Conv2D(name: "down\(l)", inputChannels: l == 0 ? 1 : channels[l - 1], filters: channels[l],
                                kernel: 3, stride: l == 0 ? 1 : 2, generator: &generator))
            skips.append(Conv2D(name: "skip\(l)", inputChannels: channels[l], filters: channels[l], kernel: 3, stride: 1, generator: &generator))
        }
        var ups: [Conv2DTranspose<Scalar>] = [], merges: [Conv2D<Scalar>] = []
        for l in 0..<levels {
            ups.append(Conv2DTranspose(name: "up\(l)", inputChannels: channels[l + 1], filters: channels[l], kernel: 3, stride: 2, generator: &generator))
            merges.append(Conv2D(name: "merge\(l)", inputChannels: channels[l], filters: channels[l], kernel: 3, stride: 1, generator: &generator))
        }
        self.downs = downs
        self.skips = skips
        self.ups = ups
        self.merges = merges
        head = Conv2D(name: "head", inputChannels: channels[0], filters: 1, kernel: 3, stride: 1, generator: &generator)
        downActivations = (0...levels).map { _ in SELU() }
        skipActivations = (0...levels).map { _ in SELU() }
        joins = (0..<levels).map { _ in Add() }
        joinActivations = (0..<levels).map { _ in SELU() }
        mergeActivations = (0..<levels).map { _ in SELU() }
    }

    /// `"HeatUNet(levels: L, width: c)"`.
    public var architecture: String { "HeatUNet(levels: \(levels), width: \(width))" }

    /// Every parameter in a fixed order (checkpoints rely on it).
    public var parameters: [Parameter<Scalar>] {
        downs.flatMap(\.parameters) + skips.flatMap(\.parameters) + ups.flatMap(\.parameters)
            + merges.flatMap(\.parameters) + head.parameters
    }

    /// The number of values, all and trainable only (the same here: nothing is tracked).
    public var parameterCount: (total: Int, trainable: Int) {
        let total = parameters.reduce(0) { $0 + $1.count }
        return (total, total)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        precondition(x.channels == 1, "HeatUNet expects 1 channel, got \(x.channels)")
        precondition(min(x.height, x.width) >= 1 << levels, "HeatUNet(levels: \(levels)) needs at least \(1 << levels) points per side")
        var skipOutputs: [FeatureMap<Scalar>] = []   // a local: no access checks on a mutated property
        skipOutputs.reserveCapacity(levels + 1)
        var current = x
        for l in 0...levels {
            let e = downActivations[l].forward(downs[l].forward(current, context: context), context: context)
            current = skipActivations[l].forward(skips[l].forward(e, context: context), context: context)
            skipOutputs.append(current)
        }
        var z = current
        for l in stride(from: levels - 1, through: 0, by: -1) {
            let target = skipOutputs[l]
            let up = ups[l].forward(z, outputSize: (target.height, target.width), context: context)
            let joined = joinActivations[l].forward(joins[l].forward(up, target, context: context), context: context)
            z = mergeActivations[l].forward(merges[l].forward(joined, context: context), context: context)
        }
        let y = head.forward(z, context: context)
        return constraint.forward(sources: x, field: y, context: context)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ gradient: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        var g = head.backward(constraint.backward(gradient, context: context), context: context)
        // The decoder, level 0 first; each join's gradient also flows into its skip.
        var skipGradients: [FeatureMap<Scalar>] = []
        for l in 0..<levels {
            let joined = joinActivations[l].backward(merges[l].backward(mergeActivations[l].backward(g, context: context), context: context), context: context)
            skipGradients.append(joined)
            g = ups[l].backward(joined, context: context)
        }
        // The encoder, deepest level first.
        for l in stride(from: levels, through: 0, by: -1) {
            if l < levels { Add.accumulate(skipGradients[l], into: g, context: context) }
            let e = skips[l].backward(skipActivations[l].backward(g, context: context), context: context)
            g = downs[l].backward(downActivations[l].backward(e, context: context), context: context)
        }
        Add.accumulate(constraint.lastSourceGradient, into: g, context: context)
        return g
    }
}

extension HeatUNet {
    /// The factor by which HeatUNet's learning rate falls over a whole training run.
    public static var learningRateDecay: Double { 0.02 }

    /// The learning-rate schedule HeatUNet trains with: from `initial` down smoothly by ×50
    /// over `totalSteps` (`initial · 0.02^(step / totalSteps)`), so the last epochs refine.
    public static func schedule(initial: Double, totalSteps: Int) -> LearningRateSchedule {
        .exponentialDecay(initial: initial, decaySteps: max(1, totalSteps), rate: learningRateDecay, staircase: false)
    }

    /// The same rate by the fraction of the run done (`progress` in 0…1), for a trainer that
    /// does not know its step count in advance (online training: the data keeps coming).
    public static func learningRate(initial: Double, progress: Double) -> Double {
        initial * pow(learningRateDecay, min(max(progress, 0), 1))
    }
}
