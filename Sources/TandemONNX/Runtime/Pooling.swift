import ONNX
import TandemNN

/// MaxPool and AveragePool (2-D, NCHW), GlobalAveragePool and GlobalMaxPool.
final class PoolOperator: Operator, @unchecked Sendable {
    let window: Window?
    let isMax: Bool
    let ceilMode: Bool
    let includePad: Bool

    init(_ reader: inout NodeReader) throws(ONNXError) {
        let label = reader.label
        switch reader.node.opType {
        case "GlobalAveragePool", "GlobalMaxPool":
            window = nil
            isMax = reader.node.opType == "GlobalMaxPool"
            ceilMode = false
            includePad = false
        default:
            isMax = reader.node.opType == "MaxPool"
            window = try Window(&reader, kernel: nil, dilations: isMax)
            ceilMode = try reader.int("ceil_mode", default: 0) != 0
            includePad = isMax ? false : try reader.int("count_include_pad", default: 0) != 0
            if isMax {
                if try reader.int("storage_order", default: 0) != 0 { throw .unsupported("\(label): storage_order 1") }
                if reader.node.outputs.count > 1 && !reader.node.outputs[1].isEmpty { throw .unsupported("\(label): the Indices output of MaxPool") }
            }
        }
        super.init(label: label)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let x = inputs[0]!
        guard let window else {
            guard x.count >= 3 else { throw invalid("input \(x) has no spatial axes") }
            return [Array(x.prefix(2)) + [Int](repeating: 1, count: x.count - 2)]
        }
        guard x.count == 4 else { throw invalid("input \(x) is not [N, C, H, W]") }
        let (_, out) = window.gather([x[2], x[3]], ceilMode: ceilMode)
        guard out[0] > 0, out[1] > 0 else { throw invalid("input \(x) is too small for the window") }
        return [[x[0], x[1], out[0], out[1]]]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!, out = outputs[0]
        let x = input.shape
        guard let window else {
            let planes = x[0] * x[1], size = x[2...].reduce(1, *)
            for p in 0..<planes {
                var sum: Float = 0, best = -Float.infinity
                for i in 0..<size { let v = input.pointer[p * size + i]; sum += v; best = max(best, v) }
                out.pointer[p] = isMax ? best : size > 0 ? sum / Float(size) : 0
            }
            return
        }
        let (begin, _) = window.gather([x[2], x[3]], ceilMode: ceilMode)
        let (oh, ow) = (out.shape[2], out.shape[3])
        let (sy, sx) = (window.strides[0], window.strides[1]), (dy, dx) = (window.dilations[0], window.dilations[1])
        let (kh, kw) = (window.kernel[0], window.kernel[1])
        // The padded extent for count_include_pad: explicit pads bound the window, not ceil_mode's overhang.
        let padEnd = window.autoPad == "NOTSET" ? [window.pads[2], window.pads[3]] : [0, 0]
        for p in 0..<(x[0] * x[1]) {
            let src = input.pointer + p * x[2] * x[3], dst = out.pointer + p * oh * ow
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Float.infinity, sum: Float = 0, count = 0
                    for ky in 0..<kh {
                        let iy = oy * sy + ky * dy - begin[0]
                        guard iy >= 0 && iy < x[2] else { continue }
                        for kx in 0..<kw {
                            let ix = ox * sx + kx * dx - begin[1]
                            guard ix >= 0 && ix < x[3] else { continue }
                            let v = src[iy * x[3] + ix]
                            best = max(best, v)
                            sum += v
                            count += 1
                        }
                    }
                    if isMax {
                        dst[oy * ow + ox] = best
                    } else {
                        var divisor = count
                        if includePad {
                            let y0 = oy * sy - begin[0], x0 = ox * sx - begin[1]
                            let y1 = min(y0 + kh, x[2] + padEnd[0]), x1 = min(x0 + kw, x[3] + padEnd[1])
                            divisor = max(y1 - y0, 0) * max(x1 - x0, 0)
                        }
                        dst[oy * ow + ox] = divisor > 0 ? sum / Float(divisor) : 0
                    }
                }
            }
        }
    }
}
