import ONNX
import TandemNN
import TandemTensor

/// What Conv and ConvTranspose read alike: the window, the group, the constant weights
/// `[a, b, kh, kw]` (Conv: a = out, b = in/group; ConvTranspose: a = in, b = out/group)
/// and the bias.
class ConvolutionOperator: Operator, @unchecked Sendable {
    let window: Window
    let group: Int
    let weights: [Float]
    let bias: [Float]
    let inChannels: Int, outChannels: Int
    /// The weights' first two dimensions.
    private let a: Int, b: Int

    init(_ reader: inout NodeReader, transposed: Bool) throws(ONNXError) {
        let label = reader.label, kind = transposed ? "transposed convolutions" : "convolutions"
        guard let (w, wShape) = reader.constantFloats(1) else { throw .unsupported("\(label): weights computed at run time (they must be an initializer)") }
        guard wShape.count == 4 else { throw .unsupported("\(label): only 2-D \(kind) (4-D weights)") }
        window = try Window(&reader, kernel: Array(wShape[2...]), negativePads: transposed)
        guard window.kernel == Array(wShape[2...]) else { throw .invalid("\(label): kernel_shape differs from the weights") }
        group = try reader.int("group", default: 1)
        (a, b) = (wShape[0], wShape[1])
        guard group > 0, a % group == 0, a > 0, b > 0 else {
            throw .invalid("\(label): group \(group) does not divide \(a) \(transposed ? "input" : "output") channels")
        }
        (inChannels, outChannels) = transposed ? (a, b * group) : (b * group, a)
        weights = w
        if reader.hasInput(2) {
            guard let (values, _) = reader.constantFloats(2), values.count == outChannels else {
                throw .invalid("\(label): bias must be a constant of \(outChannels) values")
            }
            bias = values
        } else {
            bias = [Float](repeating: 0, count: outChannels)
        }
        super.init(label: label)
    }

    /// Another replica's operator: the same constants.
    init(copying other: ConvolutionOperator) {
        window = other.window
        group = other.group
        weights = other.weights
        bias = other.bias
        inChannels = other.inChannels
        outChannels = other.outChannels
        (a, b) = (other.a, other.b)
        super.init(label: other.label)
    }

    /// TandemNN's layer for these weights when it can compute them: a square kernel, equal
    /// strides, no dilation, one group (the layer still checks the pads per input).
    func tandemLayer<Layer: ConvolutionLayer<Float> & Convolution>(_ type: Layer.Type) -> Layer? {
        let k = window.kernel
        guard group == 1, k[0] == k[1], window.strides[0] == window.strides[1], window.dilations == [1, 1] else { return nil }
        var generator = SeededGenerator(seed: 0)
        let layer = Layer(name: label, inputChannels: inChannels, filters: outChannels, kernel: k[0],
                          stride: window.strides[0], generator: &generator)
        layer.kernel.values = kerasKernel(k: k[0])
        layer.bias.values = bias
        return layer
    }

    /// The weights `[a, b, k, k]` as a Keras kernel `[k, k, b, a]` (Conv: `[k, k, in, out]`,
    /// ConvTranspose: `[k, k, out, in]`).
    private func kerasKernel(k: Int) -> [Float] {
        var result = [Float](repeating: 0, count: weights.count)
        for i in 0..<a {
            for j in 0..<b {
                for y in 0..<k {
                    for x in 0..<k {
                        result[((y * k + x) * b + j) * a + i] = weights[((i * b + j) * k + y) * k + x]
                    }
                }
            }
        }
        return result
    }
}
