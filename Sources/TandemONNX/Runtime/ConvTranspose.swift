import ONNX
import TandemNN
import TandemTensor

/// ConvTranspose (2-D, NCHW, any channels and groups). The adjoint of a TensorFlow "same"
/// convolution (square kernel, equal strides, no dilation, one group, pads that start as
/// that convolution's: what TandemNN exports, and PyTorch's usual upsampling) runs on
/// TandemNN's ``Conv2DTranspose``; anything else on sgemm and col2im.
final class ConvTransposeOperator: ConvolutionOperator, @unchecked Sendable {
    let outputPadding: [Int]
    let outputShape: [Int]?
    private var layer: Conv2DTranspose<Float>?
    private var columns: [Float] = []

    init(_ reader: inout NodeReader) throws(ONNXError) {
        let label = reader.label
        outputPadding = try reader.ints("output_padding") ?? [0, 0]
        outputShape = try reader.ints("output_shape").map { Array($0.suffix(2)) }
        guard outputPadding.count == 2, outputPadding.allSatisfy({ $0 >= 0 }) else { throw .invalid("\(label): output_padding must be two non-negative sizes") }
        if let outputShape, outputShape.count != 2 || outputShape.contains(where: { $0 <= 0 }) { throw .invalid("\(label): output_shape must be two positive sizes") }
        try super.init(&reader, transposed: true)
        layer = tandemLayer(Conv2DTranspose<Float>.self)
    }

    private init(copying other: ConvTransposeOperator) {
        outputPadding = other.outputPadding
        outputShape = other.outputShape
        super.init(copying: other)
        layer = other.layer.map { Conv2DTranspose(sharing: $0) }
    }

    override func replica() -> Operator { ConvTransposeOperator(copying: self) }

    /// Leading pads and output size for an input grid (ONNX's formulas).
    private func geometry(_ size: [Int]) -> (begin: [Int], out: [Int]) {
        var begin = [0, 0], out = [0, 0]
        for a in 0..<2 {
            let extent = (window.kernel[a] - 1) * window.dilations[a] + 1
            let full = window.strides[a] * (size[a] - 1) + outputPadding[a] + extent
            if let outputShape {
                out[a] = outputShape[a]
                let total = max(full - out[a], 0)
                begin[a] = window.autoPad == "SAME_LOWER" ? total - total / 2 : total / 2
            } else if window.autoPad == "SAME_UPPER" || window.autoPad == "SAME_LOWER" {
                out[a] = size[a] * window.strides[a]
                let total = max(full - out[a], 0)
                begin[a] = window.autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
            } else if window.autoPad == "VALID" {
                out[a] = full
            } else {
                begin[a] = window.pads[a]
                out[a] = full - window.pads[a] - window.pads[a + 2]
            }
        }
        return (begin, out)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let x = inputs[0]!
        guard x.count == 4, x[1] == inChannels, x[0] > 0, x[2] > 0, x[3] > 0 else { throw invalid("input \(x) is not [N, \(inChannels), H, W]") }
        let (_, out) = geometry([x[2], x[3]])
        guard out[0] > 0, out[1] > 0 else { throw invalid("output size \(out) is not positive") }
        _ = try checkedCount([x[0], outChannels, out[0], out[1]], self)
        return [[x[0], outChannels, out[0], out[1]]]
    }

    private func usesLayer(_ x: [Int], _ y: [Int]) -> Bool {
        guard layer != nil else { return false }
        let g = ConvGeometry(kernel: window.kernel[0], stride: window.strides[0], bigHeight: y[2], bigWidth: y[3])
        let (begin, _) = geometry([x[2], x[3]])
        return g.smallHeight == x[2] && g.smallWidth == x[3] && begin == [g.padTop, g.padLeft]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!, out = outputs[0]
        let x = input.shape, y = out.shape
        if let layer, usesLayer(x, y) {
            out.map = layer.forward(input.featureMap(), outputSize: (y[2], y[3]), context: ConvOperator.inline)
            return
        }
        let (begin, _) = geometry([x[2], x[3]])
        let kh = window.kernel[0], kw = window.kernel[1]
        let cg = inChannels / group, og = outChannels / group
        let rows = og * kh * kw, cols = x[2] * x[3]
        if columns.count < rows * cols { columns = [Float](repeating: 0, count: rows * cols) }
        let plane = y[2] * y[3]
        columns.withUnsafeMutableBufferPointer { colBuffer in
            weights.withUnsafeBufferPointer { w in
                let col = colBuffer.baseAddress!
                for n in 0..<x[0] {
                    for g in 0..<group {
                        // col[(o, ky, kx), pixel] = Σ_c W[c, o, ky, kx] · x[c, pixel]
                        Float.gemm(transA: true, transB: false, m: rows, n: cols, k: cg, alpha: 1,
                                   a: w.baseAddress! + g * cg * rows, lda: rows,
                                   b: input.pointer + (n * inChannels + g * cg) * cols, ldb: cols, beta: 0, c: col, ldc: cols)
                        let dst = out.pointer + (n * outChannels + g * og) * plane
                        for o in 0..<og { (dst + o * plane).update(repeating: bias[g * og + o], count: plane) }
                        col2im(col, channels: og, inH: x[2], inW: x[3], begin: begin, outH: y[2], outW: y[3], into: dst)
                    }
                }
            }
        }
    }

    private func col2im(_ col: UnsafePointer<Float>, channels: Int, inH: Int, inW: Int, begin: [Int],
                        outH: Int, outW: Int, into dst: UnsafeMutablePointer<Float>) {
        let kh = window.kernel[0], kw = window.kernel[1]
        let (sy, sx) = (window.strides[0], window.strides[1]), (dy, dx) = (window.dilations[0], window.dilations[1])
        var row = 0
        for c in 0..<channels {
            let plane = dst + c * outH * outW
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let line = col + row * inH * inW
                    for iy in 0..<inH {
                        let oy = iy * sy + ky * dy - begin[0]
                        guard oy >= 0 && oy < outH else { continue }
                        for ix in 0..<inW {
                            let ox = ix * sx + kx * dx - begin[1]
                            if ox >= 0 && ox < outW { plane[oy * outW + ox] += line[iy * inW + ix] }
                        }
                    }
                    row += 1
                }
            }
        }
    }
}
