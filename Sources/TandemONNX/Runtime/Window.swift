import ONNX

/// The geometry attributes Conv, ConvTranspose and the pools share, for 2-D inputs (NCHW).
struct Window {
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    /// `[top, left, bottom, right]` when explicit.
    var pads: [Int]
    var autoPad: String

    /// The largest magnitude a negative pad of a transposed convolution may have.
    static let largestNegativePad = 1 << 16

    /// Reads the attributes. `negativePads` lets pads be negative down to
    /// −``largestNegativePad``, as ConvTranspose's may be: a negative pad adds output rows or
    /// columns past the full output (bias only), as tf2onnx writes Keras' "same" transposed
    /// convolutions whose kernel is smaller than their stride.
    init(_ reader: inout NodeReader, kernel: [Int]?, dilations allowed: Bool = true, negativePads: Bool = false) throws(ONNXError) {
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
              pads.count == 4, pads.allSatisfy({ $0 >= (negativePads ? -Self.largestNegativePad : 0) }) else {
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
