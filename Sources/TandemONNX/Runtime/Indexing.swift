import ONNX
import TandemNN

/// Gather along an axis with constant integer indices (negative ones count from the end).
final class GatherOperator: Operator, @unchecked Sendable {
    let axis: Int
    let indices: [Int]
    let indexShape: [Int]

    init(_ reader: inout NodeReader) throws(ONNXError) {
        axis = try reader.int("axis", default: 0)
        guard let indices = try reader.constantInts(1, "indices"), case .ints(_, let shape)? = reader.constants[reader.node.inputs[1]] else {
            throw .invalid("\(reader.label): Gather needs indices")
        }
        self.indices = indices
        indexShape = shape
        super.init(label: reader.label)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let x = inputs[0]!
        let a = try normalizedAxis(axis, rank: x.count, self)
        for i in indices where i < -x[a] || i >= x[a] { throw invalid("index \(i) out of range for axis \(axis) of \(x)") }
        let out = Array(x[..<a]) + indexShape + Array(x[(a + 1)...])
        _ = try checkedCount(out, self)
        return [out]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!, out = outputs[0]
        let x = input.shape
        let a = axis < 0 ? axis + x.count : axis
        let outer = x[..<a].reduce(1, *), inner = x[(a + 1)...].reduce(1, *), size = x[a]
        var dst = out.pointer
        for o in 0..<outer {
            for i in indices {
                let index = i < 0 ? i + size : i
                dst.update(from: input.pointer + (o * size + index) * inner, count: inner)
                dst += inner
            }
        }
    }
}

/// Expand: broadcasts the input to a constant shape (both ways, as NumPy's broadcast).
final class ExpandOperator: Operator, @unchecked Sendable {
    let target: [Int]

    init(_ reader: inout NodeReader) throws(ONNXError) {
        guard let target = try reader.constantInts(1, "shape") else { throw .invalid("\(reader.label): Expand needs a shape") }
        guard target.allSatisfy({ $0 >= 0 }) else { throw .invalid("\(reader.label): shape \(target) has a negative size") }
        self.target = target
        super.init(label: reader.label)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let out = try broadcast(inputs[0]!, target, self)
        _ = try checkedCount(out, self)
        return [out]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!, out = outputs[0]
        let x = input.pointer, y = out.pointer
        walk(out.shape, broadcastStrides(input.shape, to: out.shape)) { o, i in y[o] = x[i] }
    }
}

/// Tile: repeats the input a constant number of times along each axis.
final class TileOperator: Operator, @unchecked Sendable {
    let repeats: [Int]

    init(_ reader: inout NodeReader) throws(ONNXError) {
        guard let repeats = try reader.constantInts(1, "repeats") else { throw .invalid("\(reader.label): Tile needs repeats") }
        guard repeats.allSatisfy({ $0 >= 0 }) else { throw .invalid("\(reader.label): repeats \(repeats) has a negative count") }
        self.repeats = repeats
        super.init(label: reader.label)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let x = inputs[0]!
        guard repeats.count == x.count else { throw invalid("repeats \(repeats) do not fit rank \(x.count)") }
        var out: [Int] = []
        for (d, r) in zip(x, repeats) {
            let (p, overflow) = d.multipliedReportingOverflow(by: r)
            guard !overflow else { throw invalid("tiling \(x) by \(repeats) is too large") }
            out.append(p)
        }
        _ = try checkedCount(out, self)
        return [out]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!, out = outputs[0]
        let x = input.shape, y = out.shape, s = strides(of: x)
        let p = input.pointer, q = out.pointer
        var index = [Int](repeating: 0, count: y.count)
        for o in 0..<out.count {
            var offset = 0
            for a in 0..<y.count { offset += (index[a] % x[a]) * s[a] }
            q[o] = p[offset]
            _ = advance(&index, in: y, throughAxis: y.count - 1)
        }
    }
}

/// Split along an axis into the given constant sizes, or into equal parts (one per output).
final class SplitOperator: Operator, @unchecked Sendable {
    let axis: Int
    let sizes: [Int]?
    let parts: Int

    init(_ reader: inout NodeReader) throws(ONNXError) {
        axis = try reader.int("axis", default: 0)
        parts = reader.node.outputs.count
        if reader.opset >= 13 {
            sizes = try reader.constantInts(1, "split")
            let n = reader.opset >= 18 ? try reader.int("num_outputs", default: 0) : 0
            if n != 0 && n != parts { throw .invalid("\(reader.label): num_outputs \(n) with \(parts) outputs") }
        } else {
            sizes = try reader.ints("split")
        }
        if let sizes {
            guard sizes.count == parts, sizes.allSatisfy({ $0 >= 0 }) else {
                throw .invalid("\(reader.label): split \(sizes) does not give \(parts) non-negative sizes")
            }
        }
        guard parts > 0, !reader.node.outputs.contains(where: \.isEmpty) else { throw .invalid("\(reader.label): an output has no name") }
        super.init(label: reader.label)
    }

    /// The size of each part along the axis for an axis of `length`.
    func partSizes(_ length: Int) throws(ONNXError) -> [Int] {
        if let sizes {
            guard sizes.reduce(0, +) == length else { throw invalid("split \(sizes) does not add up to \(length)") }
            return sizes
        }
        // Equal parts, the last smaller when the length does not divide (opset 18's rule).
        let part = (length + parts - 1) / parts
        let result = (0..<parts).map { i in max(0, min(part, length - i * part)) }
        guard result.reduce(0, +) == length else { throw invalid("cannot split \(length) into \(parts) parts") }
        return result
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let x = inputs[0]!
        let a = try normalizedAxis(axis, rank: x.count, self)
        return try partSizes(x[a]).map { size in
            var s = x
            s[a] = size
            return s
        }
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!
        let x = input.shape
        let a = axis < 0 ? axis + x.count : axis
        let outer = x[..<a].reduce(1, *), inner = x[(a + 1)...].reduce(1, *)
        var offset = 0
        for out in outputs {
            let row = out.shape[a] * inner
            for o in 0..<outer { (out.pointer + o * row).update(from: input.pointer + o * x[a] * inner + offset, count: row) }
            offset += row
        }
    }
}
