import TandemTensor

/// The residual block of DiffusionResNet (Documentation/HeatDiffusion.md, "DiffusionResNet"):
/// `a = BN(SELU(Conv3x3(x, stride)))`, `a = Conv3x3(a, 1)`, `b = Conv1x1(x, stride)`,
/// `out = BN(SELU(a + b))`.
///
/// With `Conv = Conv2D` it is `ResBlock` (stride 2 halves the grid, rounding up); with
/// `Conv = Conv2DTranspose` it is `ResBlockTranspose` (stride 2 doubles it, or maps it
/// onto the requested `outputSize`).
public final class ResBlock<Conv: Convolution> {
    public typealias Scalar = Conv.Scalar
    /// The block's layers, in the order of the definition above.
    public let conv1: Conv
    public let selu1 = SELU<Scalar>()
    public let norm1: BatchNormalization<Scalar>
    public let conv2: Conv
    public let shortcut: Conv
    public let add = Add<Scalar>()
    public let selu2 = SELU<Scalar>()
    public let norm2: BatchNormalization<Scalar>
    private let affine = Workspace<Scalar>()

    /// Creates a block; kernels are drawn from `generator` in the order conv1, conv2, shortcut.
    public init(name: String, inputChannels: Int, filters: Int, stride: Int, generator: inout SeededGenerator) {
        conv1 = Conv(name: name + ".conv1", inputChannels: inputChannels, filters: filters, kernel: 3, stride: stride, generator: &generator)
        norm1 = BatchNormalization(name: name + ".bn1", channels: filters)
        conv2 = Conv(name: name + ".conv2", inputChannels: filters, filters: filters, kernel: 3, stride: 1, generator: &generator)
        shortcut = Conv(name: name + ".shortcut", inputChannels: inputChannels, filters: filters, kernel: 1, stride: stride, generator: &generator)
        norm2 = BatchNormalization(name: name + ".bn2", channels: filters)
    }

    /// A block with `other`'s parameters (the same objects) and its own buffers.
    public init(sharing other: ResBlock) {
        conv1 = Conv(sharing: other.conv1)
        norm1 = BatchNormalization(sharing: other.norm1)
        conv2 = Conv(sharing: other.conv2)
        shortcut = Conv(sharing: other.shortcut)
        norm2 = BatchNormalization(sharing: other.norm2)
    }

    /// Parameters in a fixed order.
    public var parameters: [Parameter<Scalar>] {
        conv1.parameters + norm1.parameters + conv2.parameters + shortcut.parameters + norm2.parameters
    }

    /// The block's output (owned by the block).
    public func forward(_ x: FeatureMap<Scalar>, outputSize: (height: Int, width: Int)? = nil, context: PassContext) -> FeatureMap<Scalar> {
        var a = conv1.forward(x, outputSize: outputSize, context: context)
        a = norm1.forward(selu1.forward(a, context: context), context: context)
        a = conv2.forward(a, outputSize: nil, context: context)
        let b = shortcut.forward(x, outputSize: outputSize, context: context)
        return norm2.forward(selu2.forward(add.forward(a, b, context: context), context: context), context: context)
    }

    /// The inference-mode output, computed in place over the convolutions' outputs with
    /// fused element-wise passes (no buffers kept for a backward pass).
    func infer(_ x: FeatureMap<Scalar>, outputSize: (height: Int, width: Int)? = nil, context: PassContext) -> FeatureMap<Scalar> {
        let a = conv1.forward(x, outputSize: outputSize, context: context)
        Elementwise.apply(a, selu: true, affine: norm1.inferenceAffine(into: affine.reserve(4 * norm1.channels)), context: context)
        let sum = conv2.forward(a, outputSize: nil, context: context)
        let b = shortcut.forward(x, outputSize: outputSize, context: context)
        Elementwise.apply(sum, adding: b, selu: true,
                          affine: norm2.inferenceAffine(into: affine.reserve(4 * norm1.channels) + 2 * norm1.channels), context: context)
        return sum
    }

    /// The gradient with respect to the block's input (owned by the block).
    public func backward(_ gradient: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        let sum = selu2.backward(norm2.backward(gradient, context: context), context: context)
        var a = conv2.backward(sum, context: context)
        a = selu1.backward(norm1.backward(a, context: context), context: context)
        let input = conv1.backward(a, context: context)
        Add.accumulate(shortcut.backward(sum, context: context), into: input, context: context)
        return input
    }
}
