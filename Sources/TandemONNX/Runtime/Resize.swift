import Glibc
import ONNX
import TandemNN

/// Resize (opset 10+) and Upsample (opset 7–9): nearest or linear (n-linear over every
/// resized axis) interpolation, with constant scales or sizes, as PyTorch exports
/// `nn.Upsample` and `F.interpolate`.
final class ResizeOperator: Operator, @unchecked Sendable {
    enum Mode { case nearest, linear }
    enum Rounding { case roundPreferFloor, roundPreferCeil, floor, ceil }
    let mode: Mode
    let rounding: Rounding
    /// `coordinate_transformation_mode`.
    let transform: String
    let scales: [Float]?
    let sizes: [Int]?

    init(_ reader: inout NodeReader) throws(ONNXError) {
        let label = reader.label
        let modeName = try reader.string("mode", default: "nearest")
        switch modeName {
        case "nearest": mode = .nearest
        case "linear", "bilinear", "trilinear": mode = .linear
        default: throw .unsupported("\(label): \(reader.node.opType) mode '\(modeName)'")
        }
        if reader.node.opType == "Upsample" {
            transform = "asymmetric"
            rounding = .floor
            sizes = nil
            if reader.opset >= 9 {
                guard let (v, _) = reader.constantFloats(1) else { throw .unsupported("\(label): scales computed at run time") }
                scales = v
            } else {
                guard case .floats(let v)? = reader.attribute("scales")?.value else { throw .invalid("\(label): Upsample needs scales") }
                scales = v
            }
        } else {
            transform = reader.opset >= 11 ? try reader.string("coordinate_transformation_mode", default: "half_pixel") : "asymmetric"
            guard ["half_pixel", "pytorch_half_pixel", "asymmetric", "align_corners", "tf_half_pixel_for_nn"].contains(transform) else {
                throw .unsupported("\(label): coordinate_transformation_mode '\(transform)'")
            }
            let nearest = reader.opset >= 11 ? try reader.string("nearest_mode", default: "round_prefer_floor") : "round_prefer_floor"
            switch nearest {
            case "round_prefer_floor": rounding = .roundPreferFloor
            case "round_prefer_ceil": rounding = .roundPreferCeil
            case "floor": rounding = .floor
            case "ceil": rounding = .ceil
            default: throw .unsupported("\(label): nearest_mode '\(nearest)'")
            }
            if reader.opset >= 11 {
                _ = try reader.float("cubic_coeff_a", default: -0.75)
                if try reader.int("exclude_outside", default: 0) != 0 { throw .unsupported("\(label): exclude_outside") }
                _ = try reader.float("extrapolation_value", default: 0)
            }
            if reader.opset >= 18 {
                if try reader.int("antialias", default: 0) != 0 { throw .unsupported("\(label): antialias") }
                if try reader.ints("axes") != nil { throw .unsupported("\(label): axes") }
                if try reader.string("keep_aspect_ratio_policy", default: "stretch") != "stretch" { throw .unsupported("\(label): keep_aspect_ratio_policy") }
            }
            let scalesIndex = reader.opset >= 11 ? 2 : 1
            var scales: [Float]? = nil
            if reader.hasInput(scalesIndex) {
                guard let (v, _) = reader.constantFloats(scalesIndex) else { throw .unsupported("\(label): scales computed from tensor data") }
                scales = v.isEmpty ? nil : v
            }
            self.scales = scales
            sizes = reader.opset >= 11 ? try reader.constantInts(3, "sizes") : nil
            guard (self.scales == nil) != (sizes == nil) else { throw .invalid("\(label): exactly one of scales and sizes must be given") }
        }
        if let scales, scales.contains(where: { !($0 > 0) || !$0.isFinite }) { throw .invalid("\(label): scales \(scales) must be positive") }
        super.init(label: label)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let x = inputs[0]!
        let out: [Int]
        if let sizes {
            guard sizes.count == x.count, sizes.allSatisfy({ $0 >= 0 }) else { throw invalid("sizes \(sizes) do not fit input \(x)") }
            out = sizes
        } else {
            let scales = scales!
            guard scales.count == x.count else { throw invalid("scales \(scales) do not fit input \(x)") }
            out = try zip(x, scales).map { (d, s) throws(ONNXError) -> Int in
                let v = (Double(d) * Double(s)).rounded(.down)
                guard v < Double(1 << 32) else { throw invalid("output of \(x) scaled by \(scales) is too large") }
                return Int(v)
            }
        }
        _ = try checkedCount(out, self)
        return [out]
    }

    /// The input coordinate of output index `o` along an axis of sizes `inSize` → `outSize`.
    private func coordinate(_ o: Int, inSize: Int, outSize: Int, scale: Double) -> Double {
        let o = Double(o)
        switch transform {
        case "half_pixel": return (o + 0.5) / scale - 0.5
        case "pytorch_half_pixel": return outSize > 1 ? (o + 0.5) / scale - 0.5 : 0
        case "align_corners": return outSize > 1 ? o * Double(inSize - 1) / Double(outSize - 1) : 0
        case "tf_half_pixel_for_nn": return (o + 0.5) / scale
        default: return o / scale
        }
    }

    /// Per output index of one axis: the source indices and weights (one for nearest, two for linear).
    private func taps(axis: Int, inSize: Int, outSize: Int) -> [[(Int, Float)]] {
        let scale = scales.map { Double($0[axis]) } ?? Double(outSize) / Double(max(inSize, 1))
        return (0..<outSize).map { o -> [(Int, Float)] in
            if inSize == outSize && (scales.map { $0[axis] == 1 } ?? true) { return [(o, 1)] }
            let c = min(max(coordinate(o, inSize: inSize, outSize: outSize, scale: scale), -1), Double(inSize))
            switch mode {
            case .nearest:
                var i: Int
                switch rounding {
                case .floor: i = Int(c.rounded(.down))
                case .ceil: i = Int(c.rounded(.up))
                case .roundPreferFloor: i = c == c.rounded(.down) + 0.5 ? Int(c.rounded(.down)) : Int(c.rounded())
                case .roundPreferCeil: i = c == c.rounded(.down) + 0.5 ? Int(c.rounded(.up)) : Int(c.rounded())
                }
                return [(min(max(i, 0), inSize - 1), 1)]
            case .linear:
                let clamped = min(max(c, 0), Double(inSize - 1))
                let low = Int(clamped.rounded(.down)), high = min(low + 1, inSize - 1)
                let t = Float(clamped - Double(low))
                return high == low ? [(low, Float(1))] : [(low, 1 - t), (high, t)]
            }
        }
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!, out = outputs[0]
        let x = input.shape, y = out.shape
        guard x.allSatisfy({ $0 > 0 }) else { out.pointer.update(repeating: 0, count: out.count); return }
        // One axis at a time (separable), from the last, through a scratch buffer.
        var current = input.values, shape = x
        for axis in stride(from: x.count - 1, through: 0, by: -1) where x[axis] != y[axis] || scales.map({ $0[axis] != 1 }) ?? false {
            let table = taps(axis: axis, inSize: x[axis], outSize: y[axis])
            let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
            var next = [Float](repeating: 0, count: outer * y[axis] * inner)
            for o in 0..<outer {
                for (j, tap) in table.enumerated() {
                    let dst = (o * y[axis] + j) * inner
                    for (i, w) in tap {
                        let src = (o * x[axis] + i) * inner
                        for k in 0..<inner { next[dst + k] += w * current[src + k] }
                    }
                }
            }
            current = next
            shape[axis] = y[axis]
        }
        current.withUnsafeBufferPointer { out.pointer.update(from: $0.baseAddress!, count: out.count) }
    }
}
