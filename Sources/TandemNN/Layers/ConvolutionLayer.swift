import TandemTensor

/// What ``Conv2D`` and ``Conv2DTranspose`` share: the kernel and bias, the sizes, the
/// engine for the current grid and the buffers of the last pass.
public class ConvolutionLayer<Scalar: NNScalar> {
    /// The kernel, in the Keras shape of the subclass.
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
    /// The kernel and the bias.
    public var parameters: [Parameter<Scalar>] { [kernel, bias] }

    var engine: DirectConv<Scalar>?
    var input: FeatureMap<Scalar>?
    let output = FeatureMap<Scalar>()
    let inputGradient = FeatureMap<Scalar>()

    /// A Glorot-uniform kernel of `kernelShape` drawn from `generator` and a zero bias;
    /// parameter names start with `name`.
    init(name: String, inputChannels: Int, filters: Int, kernel: Int, stride: Int, kernelShape: [Int],
         generator: inout SeededGenerator) {
        precondition(inputChannels > 0 && filters > 0 && kernel > 0 && stride > 0, "\(Self.self) sizes must be positive")
        self.inputChannels = inputChannels
        self.filters = filters
        kernelSize = kernel
        self.stride = stride
        self.kernel = Parameter(name: name + ".kernel", shape: kernelShape, trainable: true)
        bias = Parameter(name: name + ".bias", shape: [filters], trainable: true)
        GlorotUniform.fill(self.kernel, using: &generator)
    }

    /// `other`'s parameters (the same objects) with buffers of its own.
    init(sharing other: ConvolutionLayer) {
        inputChannels = other.inputChannels
        filters = other.filters
        kernelSize = other.kernelSize
        stride = other.stride
        kernel = other.kernel
        bias = other.bias
    }

    /// The engine for a big grid of `height × width`, rebuilt only when the grid changes.
    func engine(bigHeight height: Int, bigWidth width: Int, bigChannels: Int, smallChannels: Int) -> DirectConv<Scalar> {
        if let engine, engine.geometry.bigHeight == height, engine.geometry.bigWidth == width { return engine }
        let geometry = ConvGeometry(kernel: kernelSize, stride: stride, bigHeight: height, bigWidth: width)
        let made = DirectConv<Scalar>(geometry: geometry, bigChannels: bigChannels, smallChannels: smallChannels)
        engine = made
        return made
    }

    /// The map the latest `backward` returned.
    public var lastInputGradient: FeatureMap<Scalar> { inputGradient }
}
