import TandemTensor

/// A 2-D convolution with TensorFlow "same" padding and a bias, as Keras' `Conv2D`:
/// `output[n, o, co] = bias[co] + Σ_{k, ci} input[n, o·stride + k − pad, ci] · kernel[k, ci, co]`.
///
/// The kernel has the Keras shape `[k, k, inputChannels, filters]`. Output size is
/// `⌈input / stride⌉` along each axis (see ``ConvGeometry``).
public final class Conv2D<Scalar: NNScalar>: Convolution {
    /// The kernel, `[k, k, inputChannels, filters]`.
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

    /// Creates a convolution with a Glorot-uniform kernel drawn from `generator` and a zero
    /// bias; parameter names start with `name`.
    public init(name: String, inputChannels: Int, filters: Int, kernel: Int, stride: Int, generator: inout SeededGenerator) {
        precondition(inputChannels > 0 && filters > 0 && kernel > 0 && stride > 0, "Conv2D sizes must be positive")
        self.inputChannels = inputChannels
        self.filters = filters
        kernelSize = kernel
        self.stride = stride
        self.kernel = Parameter(name: name + ".kernel", shape: [kernel, kernel, inputChannels, filters], trainable: true)
        bias = Parameter(name: name + ".bias", shape: [filters], trainable: true)
        GlorotUniform.fill(self.kernel, using: &generator)
    }

    /// A layer with `other`'s parameters (the same objects) and its own buffers.
    public init(sharing other: Conv2D) {
        inputChannels = other.inputChannels
        filters = other.filters
        kernelSize = other.kernelSize
        stride = other.stride
        kernel = other.kernel
        bias = other.bias
    }

    /// The engine for an input grid, rebuilt only when the grid changes.
    private func engine(height: Int, width: Int) -> DirectConv<Scalar> {
        if let engine, engine.geometry.bigHeight == height, engine.geometry.bigWidth == width { return engine }
        let geometry = ConvGeometry(kernel: kernelSize, stride: stride, bigHeight: height, bigWidth: width)
        let made = DirectConv<Scalar>(geometry: geometry, bigChannels: inputChannels, smallChannels: filters)
        engine = made
        return made
    }

    public func forward(_ input: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        forward(input, outputSize: nil, context: context)
    }

    /// Computes the convolution; `outputSize`, when given, must be the "same" size.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func forward(_ input: FeatureMap<Scalar>, outputSize: (height: Int, width: Int)?, context: PassContext) -> FeatureMap<Scalar> {
        precondition(input.channels == inputChannels, "Conv2D expects \(inputChannels) channels, got \(input.channels)")
        let engine = engine(height: input.height, width: input.width)
        let g = engine.geometry
        if let outputSize {
            precondition(outputSize == (g.smallHeight, g.smallWidth), "Conv2D output is \(g.smallHeight)x\(g.smallWidth), not \(outputSize)")
        }
        self.input = input
        output.resize(batch: input.batch, channels: filters, height: g.smallHeight, width: g.smallWidth)
        engine.gather(big: input, weights: kernel.pointer, bias: bias.pointer, into: output, pool: context.pool)
        return output
    }

    /// The map the latest ``backward(_:context:)`` returned.
    public var lastInputGradient: FeatureMap<Scalar> { inputGradient }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        guard let input, let engine else { preconditionFailure("Conv2D.backward before forward") }
        precondition(outputGradient.hasSameShape(as: output), "Conv2D.backward: gradient shape differs from output")
        inputGradient.resize(like: input)
        engine.backwardOfGather(big: input, smallGradient: outputGradient, weights: kernel.pointer,
                                bigGradient: inputGradient, weightGradient: kernel.gradientPointer, pool: context.pool)
        addChannelSums(outputGradient, into: bias.gradientPointer)
        return inputGradient
    }
}
