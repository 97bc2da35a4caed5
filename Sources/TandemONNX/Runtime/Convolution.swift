import ONNX
import TandemNN
import TandemTensor

/// Conv (2-D, NCHW, any channels and groups). A "same" convolution as TensorFlow pads it
/// (square kernel, equal strides, no dilation, one group: what TandemNN exports) runs on
/// TandemNN's ``Conv2D``; anything else on im2col and sgemm.
final class ConvOperator: ConvolutionOperator, @unchecked Sendable {
    private var layer: Conv2D<Float>?
    private var columns: [Float] = []

    init(_ reader: inout NodeReader) throws(ONNXError) {
        try super.init(&reader, transposed: false)
        layer = tandemLayer(Conv2D<Float>.self)
    }

    private init(copying other: ConvOperator) {
        super.init(copying: other)
        layer = other.layer.map { Conv2D(sharing: $0) }
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
