import TandemTensor

/// A 2-D transposed convolution with TensorFlow "same" padding and a bias, as Keras'
/// `Conv2DTranspose`: the exact adjoint of a "same" ``Conv2D`` from the output grid to
/// the input grid, plus a bias.
///
/// The kernel has the Keras shape `[k, k, filters, inputChannels]`. The output grid is
/// `input · stride` by default, as in Keras. A caller may ask for any output size whose
/// "same" convolution gives back the input size (`⌈output / stride⌉ = input`, e.g. 25 from
/// 13 at stride 2): DiffusionResNet does so to undo an odd downsampling exactly, where
/// Keras would fail to add the skip connection.
public final class Conv2DTranspose<Scalar: NNScalar>: Convolution {
    /// The kernel, `[k, k, filters, inputChannels]`.
    public let kernel: Parameter<Scalar>
    /// The bias, `[filters]`.
    public let bias: Parameter<Scalar>
    /// The number of input channels.
    public let inputChannels: Int
    /// The number of output channels.
    public let filters: Int
    /// The kernel size.
    public let kernelSize: Int
    /// The stride.
    public let stride: Int
    public var parameters: [Parameter<Scalar>] { [kernel, bias] }

    private var engine: DirectConv<Scalar>?
    private var input: FeatureMap<Scalar>?
    private let output = FeatureMap<Scalar>()
    private let inputGradient = FeatureMap<Scalar>()

    /// Creates a transposed convolution with a Glorot-uniform kernel drawn from `generator`
    /// and a zero bias; parameter names start with `name`.
    public init(name: String, inputChannels: Int, filters: Int, kernel: Int, stride: Int, generator: inout SeededGenerator) {
        precondition(inputChannels > 0 && filters > 0 && kernel > 0 && stride > 0, "Conv2DTranspose sizes must be positive")
        self.inputChannels = inputChannels
        self.filters = filters
        kernelSize = kernel
        self.stride = stride
        self.kernel = Parameter(name: name + ".kernel", shape: [kernel, kernel, filters, inputChannels], trainable: true)
        bias = Parameter(name: name + ".bias", shape: [filters], trainable: true)
        GlorotUniform.fill(self.kernel, using: &generator)
    }

    /// A layer with `other`'s parameters (the same objects) and its own buffers.
    public init(sharing other: Conv2DTranspose) {
        inputChannels = other.inputChannels
        filters = other.filters
        kernelSize = other.kernelSize
        stride = other.stride
        kernel = other.kernel
        bias = other.bias
    }

    public func forward(_ input: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        forward(input, outputSize: nil, context: context)
    }

    /// Computes the transposed convolution onto an `outputSize` grid (default `input · stride`).
    ///
    /// - Precondition: `⌈outputSize / stride⌉` equals the input size along both axes.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func forward(_ input: FeatureMap<Scalar>, outputSize: (height: Int, width: Int)?, context: PassContext) -> FeatureMap<Scalar> {
        precondition(input.channels == inputChannels, "Conv2DTranspose expects \(inputChannels) channels, got \(input.channels)")
        let size = outputSize ?? (input.height * stride, input.width * stride)
        if engine?.geometry.bigHeight != size.height || engine?.geometry.bigWidth != size.width {
            let geometry = ConvGeometry(kernel: kernelSize, stride: stride, bigHeight: size.height, bigWidth: size.width)
            engine = DirectConv(geometry: geometry, bigChannels: filters, smallChannels: inputChannels)
        }
        let engine = engine!
        precondition(engine.geometry.smallHeight == input.height && engine.geometry.smallWidth == input.width,
                     "Conv2DTranspose cannot map \(input.height)x\(input.width) to \(size.height)x\(size.width) at stride \(stride)")
        self.input = input
        output.resize(batch: input.batch, channels: filters, height: size.height, width: size.width)
        engine.scatter(small: input, weights: kernel.pointer, bias: bias.pointer, into: output, pool: context.pool)
        return output
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        guard let input, let engine else { preconditionFailure("Conv2DTranspose.backward before forward") }
        precondition(outputGradient.hasSameShape(as: output), "Conv2DTranspose.backward: gradient shape differs from output")
        inputGradient.resize(like: input)
        engine.backwardOfScatter(small: input, bigGradient: outputGradient, weights: kernel.pointer,
                                 smallGradient: inputGradient, weightGradient: kernel.gradientPointer, pool: context.pool)
        addChannelSums(outputGradient, into: bias.gradientPointer)
        return inputGradient
    }
}
