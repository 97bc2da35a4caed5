/// The shape arithmetic of one strided 2-D convolution in TensorFlow's "same" padding,
/// seen in its gathering direction: from a *big* grid to a *small* grid,
/// `small[o] = Σ_k big[o·stride + k − pad] · w[k]` along each axis.
///
/// `Conv2D` gathers big → small (its input is the big grid). `Conv2DTranspose` scatters
/// small → big along the same geometry: it is the exact adjoint, which is how TensorFlow
/// defines it (`conv2d_transpose` = gradient of `conv2d`). Each layer's backward pass
/// runs the other direction.
///
/// "Same" padding as TensorFlow: `small = ⌈big / stride⌉`,
/// `padTotal = max((small − 1)·stride + kernel − big, 0)`, `padTop = ⌊padTotal / 2⌋`,
/// the remainder at the end (so stride 2 on an even size pads only at the end).
public struct ConvGeometry: Equatable, Sendable, CustomStringConvertible {
    /// The kernel size along both axes (1 or 3 in DiffusionResNet; any positive size works).
    public let kernel: Int
    /// The stride along both axes.
    public let stride: Int
    /// The big grid's rows and columns.
    public let bigHeight: Int, bigWidth: Int
    /// The small grid's rows and columns.
    public let smallHeight: Int, smallWidth: Int
    /// The padding before the first row and column of the big grid.
    public let padTop: Int, padLeft: Int

    /// The geometry of a "same" convolution over a big grid of the given size.
    public init(kernel: Int, stride: Int, bigHeight: Int, bigWidth: Int) {
        precondition(kernel > 0 && stride > 0 && bigHeight > 0 && bigWidth > 0, "convolution sizes must be positive")
        self.kernel = kernel
        self.stride = stride
        self.bigHeight = bigHeight
        self.bigWidth = bigWidth
        smallHeight = (bigHeight + stride - 1) / stride
        smallWidth = (bigWidth + stride - 1) / stride
        padTop = max((smallHeight - 1) * stride + kernel - bigHeight, 0) / 2
        padLeft = max((smallWidth - 1) * stride + kernel - bigWidth, 0) / 2
    }

    public var description: String {
        "\(kernel)x\(kernel)/\(stride) \(bigHeight)x\(bigWidth)->\(smallHeight)x\(smallWidth) pad \(padTop),\(padLeft)"
    }
}
