import ONNX
import TandemNN

/// Transpose (any rank), Concat, Slice and Pad: operators that move elements.
final class TransposeOperator: Operator, @unchecked Sendable {
    let perm: [Int]?

    init(_ reader: inout NodeReader) throws(ONNXError) {
        perm = try reader.ints("perm")
        super.init(label: reader.label)
    }

    func permutation(rank: Int) -> [Int] { perm ?? Array((0..<rank).reversed()) }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let x = inputs[0]!
        let p = permutation(rank: x.count)
        guard p.count == x.count, Set(p) == Set(0..<x.count) else { throw invalid("perm \(p) does not fit rank \(x.count)") }
        return [p.map { x[$0] }]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!, out = outputs[0]
        let p = permutation(rank: input.shape.count)
        let inStrides = strides(of: input.shape)
        // NHWC → NCHW with one channel, and friends: only size-1 axes move, the order of elements stays.
        let moved = p.filter { input.shape[$0] != 1 }
        if moved == moved.sorted() {
            out.pointer.update(from: input.pointer, count: out.count)
            return
        }
        walk(out.shape, p.map { inStrides[$0] }) { o, i in out.pointer[o] = input.pointer[i] }
    }
}

/// Calls `body(outputIndex, inputOffset)` for every index of `shape`, in row-major order,
/// where `sourceStrides` gives the input offset of each output axis.
func walk(_ shape: [Int], _ sourceStrides: [Int], _ body: (Int, Int) -> Void) {
    let count = shape.reduce(1, *)
    guard count > 0 else { return }
    let rank = shape.count
    guard rank > 0 else { body(0, 0); return }
    let inner = shape[rank - 1], innerStride = sourceStrides[rank - 1]
    var index = [Int](repeating: 0, count: rank - 1)
    var o = 0
    while o < count {
        var base = 0
        for k in 0..<(rank - 1) { base += index[k] * sourceStrides[k] }
        for j in 0..<inner { body(o + j, base + j * innerStride) }
        o += inner
        _ = advance(&index, in: shape, throughAxis: rank - 2)
    }
}

final class ConcatOperator: Operator, @unchecked Sendable {
    let axis: Int

    init(_ reader: inout NodeReader) throws(ONNXError) {
        let axis = try reader.int("axis", default: Int.min)
        guard axis != Int.min else { throw .invalid("\(reader.label): Concat needs an axis") }
        self.axis = axis
        super.init(label: reader.label)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let shapes = inputs.compactMap { $0 }
        guard let first = shapes.first else { throw invalid("no inputs") }
        let a = try normalizedAxis(axis, rank: first.count, self)
        var out = first
        out[a] = 0
        for s in shapes {
            guard s.count == first.count, s.indices.allSatisfy({ $0 == a || s[$0] == first[$0] }) else {
                throw invalid("shapes \(shapes) cannot be joined along axis \(axis)")
            }
            out[a] += s[a]
        }
        return [out]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let out = outputs[0]
        let a = axis < 0 ? axis + out.shape.count : axis
        let outer = out.shape[..<a].reduce(1, *), inner = out.shape[(a + 1)...].reduce(1, *)
        let outRow = out.shape[a] * inner
        var offset = 0
        for case let input? in inputs {
            let row = input.shape[a] * inner
            for i in 0..<outer { (out.pointer + i * outRow + offset).update(from: input.pointer + i * row, count: row) }
            offset += row
        }
    }
}

/// Slice with constant starts, ends, axes and steps (opset 10+ inputs, or opset 1 attributes).
final class SliceOperator: Operator, @unchecked Sendable {
    let starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?

    init(_ reader: inout NodeReader) throws(ONNXError) {
        if reader.opset >= 10 {
            guard let starts = try reader.clampedInts(1, "starts"), let ends = try reader.clampedInts(2, "ends") else {
                throw .invalid("\(reader.label): Slice needs starts and ends")
            }
            self.starts = starts
            self.ends = ends
            axes = try reader.constantInts(3, "axes")
            steps = try reader.constantInts(4, "steps")
        } else {
            // Clamped like the inputs of later opsets: exporters write INT64_MAX for "to the end".
            func clamped(_ name: String) -> [Int]? { reader.attribute(name)?.ints?.map { Int(max(min($0, 1 << 40), -(1 << 40))) } }
            guard let starts = clamped("starts"), let ends = clamped("ends") else {
                throw .invalid("\(reader.label): Slice needs starts and ends")
            }
            self.starts = starts
            self.ends = ends
            axes = try reader.ints("axes")
            steps = nil
        }
        let n = starts.count
        guard n == ends.count, axes.map({ $0.count == n }) ?? true, steps.map({ $0.count == n && !$0.contains(0) }) ?? true else {
            throw .invalid("\(reader.label): starts, ends, axes and steps differ in length (or a step is 0)")
        }
        super.init(label: reader.label)
    }

    /// Per axis of the input: first index, step, count.
    func ranges(_ shape: [Int]) throws(ONNXError) -> [(start: Int, step: Int, count: Int)] {
        var result = shape.map { (start: 0, step: 1, count: $0) }
        for i in starts.indices {
            let a = try normalizedAxis(axes?[i] ?? i, rank: shape.count, self)
            let d = shape[a], step = steps?[i] ?? 1
            func clamp(_ v: Int, _ low: Int, _ high: Int) -> Int { min(max(v, low), high) }
            var s = starts[i] < 0 ? starts[i] + d : starts[i]
            var e = ends[i] < 0 ? ends[i] + d : ends[i]
            if step > 0 {
                s = clamp(s, 0, d); e = clamp(e, 0, d)
                result[a] = (s, step, max(0, (e - s + step - 1) / step))
            } else {
                s = clamp(s, -1, d - 1); e = clamp(e, -1, d - 1)
                result[a] = (s, step, max(0, (s - e - step - 1) / -step))
            }
        }
        return result
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] { [try ranges(inputs[0]!).map(\.count)] }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!, out = outputs[0]
        guard let r = try? ranges(input.shape) else { return }
        let s = strides(of: input.shape)
        let base = zip(r, s).reduce(0) { $0 + $1.0.start * $1.1 }
        walk(out.shape, zip(r, s).map { $0.step * $1 }) { o, i in out.pointer[o] = input.pointer[base + i] }
    }
}

/// Pad: constant, reflect or edge, with constant pads (opset 11+ inputs, or opset 2 attributes).
final class PadOperator: Operator, @unchecked Sendable {
    let pads: [Int]
    let axes: [Int]?
    let mode: String
    let value: Float

    init(_ reader: inout NodeReader) throws(ONNXError) {
        mode = try reader.string("mode", default: "constant")
        guard ["constant", "reflect", "edge"].contains(mode) else { throw .unsupported("\(reader.label): Pad mode \(mode)") }
        if reader.opset >= 11 {
            guard let pads = try reader.constantInts(1, "pads") else { throw .invalid("\(reader.label): Pad needs pads") }
            self.pads = pads
            if reader.hasInput(2) {
                guard let (v, _) = reader.constantFloats(2), v.count == 1 else { throw .unsupported("\(reader.label): constant_value computed at run time") }
                value = v[0]
            } else {
                value = 0
            }
            axes = try reader.constantInts(3, "axes")
        } else {
            let legacy = try reader.ints("paddings")
            guard let pads = try reader.ints("pads") ?? legacy else { throw .invalid("\(reader.label): Pad needs pads") }
            self.pads = pads
            value = try reader.float("value", default: 0)
            axes = nil
        }
        super.init(label: reader.label)
    }

    /// Per input axis: (before, after).
    func amounts(rank: Int) throws(ONNXError) -> [(Int, Int)] {
        let axisList = try (axes ?? Array(0..<rank)).map { (a: Int) throws(ONNXError) in try normalizedAxis(a, rank: rank, self) }
        guard pads.count == 2 * axisList.count else { throw invalid("pads \(pads) do not fit rank \(rank)") }
        var result = [(Int, Int)](repeating: (0, 0), count: rank)
        for (i, a) in axisList.enumerated() { result[a] = (pads[i], pads[i + axisList.count]) }
        return result
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let x = inputs[0]!
        let p = try amounts(rank: x.count)
        var out: [Int] = []
        for (d, (b, e)) in zip(x, p) {
            let size = d + b + e
            guard size >= 0 else { throw invalid("pads \(pads) leave a negative size") }
            if mode == "reflect" && (b >= d || e >= d) && (b > 0 || e > 0) { throw invalid("reflect pads must be smaller than the axis") }
            if mode == "edge" && d == 0 && (b > 0 || e > 0) { throw invalid("edge padding of an empty axis") }
            out.append(size)
        }
        _ = try checkedCount(out, self)
        return [out]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!, out = outputs[0]
        guard let p = try? amounts(rank: input.shape.count) else { return }
        let x = input.shape, s = strides(of: x), shape = out.shape
        let rank = shape.count
        var index = [Int](repeating: 0, count: rank)
        for o in 0..<out.count {
            var offset = 0
            var inside = true
            for a in 0..<rank {
                var i = index[a] - p[a].0
                if i < 0 || i >= x[a] {
                    switch mode {
                    case "reflect":
                        let period = 2 * (x[a] - 1)
                        if period == 0 { i = 0 } else {
                            i = ((i % period) + period) % period
                            if i >= x[a] { i = period - i }
                        }
                    case "edge": i = i < 0 ? 0 : x[a] - 1
                    default: inside = false
                    }
                }
                offset += i * s[a]
            }
            out.pointer[o] = inside ? input.pointer[offset] : value
            _ = advance(&index, in: shape, throughAxis: rank - 1)
        }
    }
}
