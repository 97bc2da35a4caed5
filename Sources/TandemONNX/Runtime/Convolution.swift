import ONNX
import TandemNN
import TandemTensor

/// The geometry attributes Conv, ConvTranspose and the pools share, for 2-D inputs (NCHW).
struct Window {
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    /// `[top, left, bottom, right]` when explicit.
    var pads: [Int]
    var autoPad: String

    init(_ reader: inout NodeReader, kernel: [Int]?, dilations allowed: Bool = true) throws(ONNXError) {
        let label = reader.label
        guard let kernel = try reader.ints("kernel_shape") ?? kernel, kernel.count == 2, kernel.allSatisfy({ $0 > 0 }) else {
            throw .unsupported("\(label): only 2-D windows (kernel_shape of two positive sizes)")
        }
        self.kernel = kernel
        strides = try reader.ints("strides") ?? [1, 1]
        dilations = allowed ? try reader.ints("dilations") ?? [1, 1] : [1, 1]
        pads = try reader.ints("pads") ?? [0, 0, 0, 0]
        autoPad = try reader.string("auto_pad", default: "NOTSET")
        guard strides.count == 2, strides.allSatisfy({ $0 > 0 }), dilations.count == 2, dilations.allSatisfy({ $0 > 0 }),
              pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else {
            throw .invalid("\(label): strides, dilations and pads must be positive (non-negative pads) and 2-D")
        }
        guard ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"].contains(autoPad) else {
            throw .unsupported("\(label): auto_pad \(autoPad)")
        }
    }

    /// Leading pads and the output size of a gathering window over `size` (Conv, pools).
    func gather(_ size: [Int], ceilMode: Bool = false) -> (begin: [Int], out: [Int]) {
        var begin = [0, 0], out = [0, 0]
        for a in 0..<2 {
            let extent = (kernel[a] - 1) * dilations[a] + 1
            switch autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                out[a] = (size[a] + strides[a] - 1) / strides[a]
                let total = max((out[a] - 1) * strides[a] + extent - size[a], 0)
                begin[a] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
            case "VALID":
                out[a] = (size[a] - extent) / strides[a] + 1
            default:
                begin[a] = pads[a]
                let span = size[a] + pads[a] + pads[a + 2] - extent
                out[a] = span < 0 ? 0 : (ceilMode ? (span + strides[a] - 1) / strides[a] : span / strides[a]) + 1
                if ceilMode && (out[a] - 1) * strides[a] >= size[a] + pads[a] { out[a] -= 1 }
            }
        }
        return (begin, out)
    }
}

/// Conv (2-D, NCHW, any channels and groups). A "same" convolution as TensorFlow pads it
/// (square kernel, equal strides, no dilation, one group: what TandemNN exports) runs on
/// TandemNN's ``Conv2D``; anything else on im2col and sgemm.
final class ConvOperator: Operator, @unchecked Sendable {
    let window: Window
    let group: Int
    let weights: [Float]   // [out, in/group, kh, kw]
    let bias: [Float]
    let outChannels: Int, inChannels: Int
    private let layer: Conv2D<Float>?
    private var columns: [Float] = []
    private let output = Slot()

    init(_ reader: inout NodeReader) throws(ONNXError) {
        let label = reader.label
        guard let (w, wShape) = reader.constantFloats(1) else { throw .unsupported("\(label): weights computed at run time (they must be an initializer)") }
        guard wShape.count == 4 else { throw .unsupported("\(label): only 2-D convolutions (4-D weights)") }
        window = try Window(&reader, kernel: Array(wShape[2...]))
        guard window.kernel == Array(wShape[2...]) else { throw .invalid("\(label): kernel_shape differs from the weights") }
        group = try reader.int("group", default: 1)
        outChannels = wShape[0]
        guard group > 0, outChannels % group == 0, outChannels > 0, wShape[1] > 0 else { throw .invalid("\(label): group \(group) does not divide \(wShape[0]) output channels") }
        inChannels = wShape[1] * group
        weights = w
        if reader.hasInput(2) {
            guard let (b, _) = reader.constantFloats(2), b.count == outChannels else { throw .invalid("\(label): bias must be a constant of \(outChannels) values") }
            bias = b
        } else {
            bias = [Float](repeating: 0, count: outChannels)
        }
        let k = window.kernel
        if group == 1, k[0] == k[1], window.strides[0] == window.strides[1], window.dilations == [1, 1] {
            var generator = SeededGenerator(seed: 0)
            let conv = Conv2D<Float>(name: label, inputChannels: inChannels, filters: outChannels, kernel: k[0],
                                     stride: window.strides[0], generator: &generator)
            conv.kernel.values = kerasKernel(weights, out: outChannels, in: inChannels, k: k[0], outFirst: true)
            conv.bias.values = bias
            layer = conv
        } else {
            layer = nil
        }
        super.init(label: label)
    }

    private init(copying other: ConvOperator) {
        window = other.window
        group = other.group
        weights = other.weights
        bias = other.bias
        outChannels = other.outChannels
        inChannels = other.inChannels
        layer = other.layer.map { Conv2D(sharing: $0) }
        super.init(label: other.label)
    }

    override func replica() -> Operator { ConvOperator(copying: self) }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let x = inputs[0]!
        guard x.count == 4, x[1] == inChannels else { throw invalid("input \(x) is not [N, \(inChannels), H, W]") }
        let (_, out) = window.gather([x[2], x[3]])
        guard out[0] > 0, out[1] > 0, x[0] > 0 else { throw invalid("input \(x) is too small for the kernel") }
        return [[x[0], outChannels, out[0], out[1]]]
    }

    /// Whether TandemNN's "same" convolution computes exactly this one for input `x`.
    private func usesLayer(_ x: [Int], _ out: [Int]) -> Bool {
        guard layer != nil else { return false }
        let g = ConvGeometry(kernel: window.kernel[0], stride: window.strides[0], bigHeight: x[2], bigWidth: x[3])
        let (begin, _) = window.gather([x[2], x[3]])
        return begin == [g.padTop, g.padLeft] && out[2] == g.smallHeight && out[3] == g.smallWidth
    }

    override var aliases: [Int: Int] { [:] }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!, out = outputs[0]
        let x = input.shape
        if let layer, usesLayer(x, out.shape) {
            let result = layer.forward(input.featureMap(), outputSize: nil, context: Self.inline)
            out.map = result
            return
        }
        gemmConvolution(input, out)
    }

    private func gemmConvolution(_ input: Slot, _ out: Slot) {
        let x = input.shape, y = out.shape
        let (begin, _) = window.gather([x[2], x[3]])
        let kh = window.kernel[0], kw = window.kernel[1]
        let cg = inChannels / group, og = outChannels / group
        let rows = cg * kh * kw, cols = y[2] * y[3]
        if columns.count < rows * cols { columns = [Float](repeating: 0, count: rows * cols) }
        columns.withUnsafeMutableBufferPointer { colBuffer in
            weights.withUnsafeBufferPointer { w in
                let col = colBuffer.baseAddress!
                for n in 0..<x[0] {
                    for g in 0..<group {
                        let src = input.pointer + (n * inChannels + g * cg) * x[2] * x[3]
                        im2col(src, channels: cg, height: x[2], width: x[3], begin: begin, outH: y[2], outW: y[3], into: col)
                        let dst = out.pointer + (n * outChannels + g * og) * cols
                        for o in 0..<og { (dst + o * cols).update(repeating: bias[g * og + o], count: cols) }
                        Float.gemm(transA: false, transB: false, m: og, n: cols, k: rows, alpha: 1,
                                   a: w.baseAddress! + g * og * rows, lda: rows, b: col, ldb: cols, beta: 1, c: dst, ldc: cols)
                    }
                }
            }
        }
    }

    private func im2col(_ src: UnsafePointer<Float>, channels: Int, height: Int, width: Int, begin: [Int],
                        outH: Int, outW: Int, into col: UnsafeMutablePointer<Float>) {
        let kh = window.kernel[0], kw = window.kernel[1]
        let (sy, sx) = (window.strides[0], window.strides[1]), (dy, dx) = (window.dilations[0], window.dilations[1])
        var row = 0
        for c in 0..<channels {
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let line = col + row * outH * outW
                    for oy in 0..<outH {
                        let iy = oy * sy + ky * dy - begin[0]
                        for ox in 0..<outW {
                            let ix = ox * sx + kx * dx - begin[1]
                            line[oy * outW + ox] = iy >= 0 && iy < height && ix >= 0 && ix < width
                                ? src[(c * height + iy) * width + ix] : 0
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// Kernels run inside one replica on one thread; parallelism is across replicas.
    static let inline = PassContext(pool: ComputePool(threads: 1), training: false)
}

/// ONNX weights `[a, b, kh, kw]` as a Keras kernel: `[k, k, b, a]` when `outFirst`
/// (Conv: a = out, b = in → `[k, k, in, out]`), used as is for ConvTranspose
/// (a = in, b = out → `[k, k, out, in]`).
func kerasKernel(_ w: [Float], out a: Int, in b: Int, k: Int, outFirst: Bool) -> [Float] {
    var result = [Float](repeating: 0, count: w.count)
    for i in 0..<a {
        for j in 0..<b {
            for y in 0..<k {
                for x in 0..<k {
                    result[((y * k + x) * b + j) * a + i] = w[((i * b + j) * k + y) * k + x]
                }
            }
        }
    }
    return result
}
