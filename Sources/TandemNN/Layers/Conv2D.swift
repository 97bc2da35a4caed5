import TandemTensor

/// A 2-D convolution with TensorFlow "same" padding and a bias, as Keras' `Conv2D`:
/// `output[n, o, co] = bias[co] + Σ_{k, ci} input[n, o·stride + k − pad, ci] · kernel[k, ci, co]`.
///
/// The kernel has the Keras shape `[k, k, inputChannels, filters]`. Output size is
/// `⌈input / stride⌉` along each axis (see ``ConvGeometry``).
public final class Conv2D<Scalar: NNScalar>: ConvolutionLayer<Scalar>, Convolution {
    /// Creates a convolution with a Glorot-uniform kernel `[kernel, kernel, inputChannels, filters]` drawn
    /// from `generator` and a zero bias; parameter names start with `name`.
    public init(name: String, inputChannels: Int, filters: Int, kernel: Int, stride: Int, generator: inout SeededGenerator) {
        super.init(name: name, inputChannels: inputChannels, filters: filters, kernel: kernel, stride: stride,
                   kernelShape: [kernel, kernel, inputChannels, filters], generator: &generator)
    }

    /// A layer with `other`'s parameters (the same objects) and its own buffers.
    public init(sharing other: Conv2D) {
        super.init(sharing: other)
    }

    public func forward(_ input: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        forward(input, outputSize: nil, context: context)
    }

    /// Computes the convolution; `outputSize`, when given, must be the "same" size.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func forward(_ input: FeatureMap<Scalar>, outputSize: (height: Int, width: Int)?, context: PassContext) -> FeatureMap<Scalar> {
        precondition(input.channels == inputChannels, "Conv2D expects \(inputChannels) channels, got \(input.channels)")
        let engine = engine(bigHeight: input.height, bigWidth: input.width, bigChannels: inputChannels, smallChannels: filters)
        let g = engine.geometry
        if let outputSize {
            precondition(outputSize == (g.smallHeight, g.smallWidth), "Conv2D output is \(g.smallHeight)x\(g.smallWidth), not \(outputSize)")
        }
        self.input = input
        output.resize(batch: input.batch, channels: filters, height: g.smallHeight, width: g.smallWidth)
        engine.gather(big: input, weights: kernel.pointer, bias: bias.pointer, into: output, pool: context.pool, kernels: context.kernels)
        return output
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        guard let input, let engine else { preconditionFailure("Conv2D.backward before forward") }
        precondition(outputGradient.hasSameShape(as: output), "Conv2D.backward: gradient shape differs from output")
        inputGradient.resize(like: input)
        engine.backwardOfGather(big: input, smallGradient: outputGradient, weights: kernel.pointer,
                                bigGradient: inputGradient, weightGradient: kernel.gradientPointer, pool: context.pool,
                                kernels: context.kernels)
        addChannelSums(outputGradient, into: bias.gradientPointer, kernels: context.kernels)
        return inputGradient
    }
}
