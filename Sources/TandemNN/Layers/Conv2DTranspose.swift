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
public final class Conv2DTranspose<Scalar: NNScalar>: ConvolutionLayer<Scalar>, Convolution {
    /// Creates a transposed convolution with a Glorot-uniform kernel `[kernel, kernel, filters, inputChannels]` drawn
    /// from `generator` and a zero bias; parameter names start with `name`.
    public init(name: String, inputChannels: Int, filters: Int, kernel: Int, stride: Int, generator: inout SeededGenerator) {
        super.init(name: name, inputChannels: inputChannels, filters: filters, kernel: kernel, stride: stride,
                   kernelShape: [kernel, kernel, filters, inputChannels], generator: &generator)
    }

    /// A layer with `other`'s parameters (the same objects) and its own buffers.
    public init(sharing other: Conv2DTranspose) {
        super.init(sharing: other)
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
        let engine = engine(bigHeight: size.height, bigWidth: size.width, bigChannels: filters, smallChannels: inputChannels)
        precondition(engine.geometry.smallHeight == input.height && engine.geometry.smallWidth == input.width,
                     "Conv2DTranspose cannot map \(input.height)x\(input.width) to \(size.height)x\(size.width) at stride \(stride)")
        self.input = input
        output.resize(batch: input.batch, channels: filters, height: size.height, width: size.width)
        engine.scatter(small: input, weights: kernel.pointer, bias: bias.pointer, into: output, pool: context.pool, kernels: context.kernels)
        return output
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        guard let input, let engine else { preconditionFailure("Conv2DTranspose.backward before forward") }
        precondition(outputGradient.hasSameShape(as: output), "Conv2DTranspose.backward: gradient shape differs from output")
        inputGradient.resize(like: input)
        engine.backwardOfScatter(small: input, bigGradient: outputGradient, weights: kernel.pointer,
                                 smallGradient: inputGradient, weightGradient: kernel.gradientPointer, pool: context.pool,
                                 kernels: context.kernels)
        addChannelSums(outputGradient, into: bias.gradientPointer, kernels: context.kernels)
        return inputGradient
    }
}
