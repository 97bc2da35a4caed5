import ONNX

/// The values of a graph that are known without running it: float initializers and
/// `Constant` nodes (weights), and small integer tensors computed from constants alone
/// (padding amounts, slice bounds).
///
/// Exporters do not always fold their integer arithmetic: PyTorch's TorchScript exporter
/// at opset 11 and later writes `F.pad`'s amounts as `Constant → ConstantOfShape → Concat
/// → Reshape → Slice → Transpose → Reshape → Cast`. ``ints(_:)`` evaluates such chains
/// (those operators plus `Identity`, `Squeeze`, `Unsqueeze`) so the fast-path recognizer
/// sees the numbers. Anything else, or a tensor of more than ``maximumCount`` elements,
/// is not a known integer constant.
struct GraphConstants {
    /// A small integer tensor, row-major.
    struct Ints: Equatable {
        var shape: [Int]
        var values: [Int64]
    }

    /// The largest integer tensor evaluated (these are shapes and pads, never data).
    static let maximumCount = 4096

    private let initializers: [String: ONNXTensor]
    private let producers: [String: ONNXNode]

    init(_ graph: ONNXGraph) {
        var initializers: [String: ONNXTensor] = [:]
        for tensor in graph.initializers where !tensor.name.isEmpty { initializers[tensor.name] = tensor }
        var producers: [String: ONNXNode] = [:]
        for node in graph.nodes { for output in node.outputs where !output.isEmpty { producers[output] = node } }
        self.initializers = initializers
        self.producers = producers
    }

    /// The node that computes `value`, if any (initializers and graph inputs have none).
    func producer(of value: String) -> ONNXNode? { producers[value] }

    /// Whether `value` is an initializer.
    func isInitializer(_ value: String) -> Bool { initializers[value] != nil }

    /// A float tensor given by an initializer or a `Constant` node: its dims and values.
    func floats(_ value: String) -> (dims: [Int], values: [Float])? {
        let tensor: ONNXTensor
        if let initializer = initializers[value] {
            tensor = initializer
        } else if let node = producers[value], node.opType == "Constant", node.domain.isEmpty || node.domain == "ai.onnx",
                  let attribute = node.attribute("value")?.tensor {
            tensor = attribute
        } else {
            return nil
        }
        guard tensor.dataType == .float, let dims = Self.dims(tensor.dims),
              let values = try? tensor.floats(), values.count == dims.reduce(1, *) else { return nil }
        return (dims, values)
    }

    /// The dims of a float tensor given by an initializer or a `Constant` node (without
    /// decoding its values).
    func floatDims(_ value: String) -> [Int]? {
        let tensor: ONNXTensor
        if let initializer = initializers[value] {
            tensor = initializer
        } else if let node = producers[value], node.opType == "Constant", let attribute = node.attribute("value")?.tensor {
            tensor = attribute
        } else {
            return nil
        }
        return tensor.dataType == .float ? Self.dims(tensor.dims) : nil
    }

    /// The integer tensor `value` evaluates to, if it depends on constants only.
    func ints(_ value: String) -> Ints? {
        var depth = 0
        return ints(value, depth: &depth)
    }

    private func ints(_ value: String, depth: inout Int) -> Ints? {
        depth += 1
        guard depth < 64 else { return nil }   // long chains are not padding arithmetic
        if let tensor = initializers[value] { return Self.ints(tensor) }
        guard let node = producers[value], node.domain.isEmpty || node.domain == "ai.onnx" else { return nil }
        func input(_ i: Int) -> Ints? {
            guard i < node.inputs.count, !node.inputs[i].isEmpty else { return nil }
            return ints(node.inputs[i], depth: &depth)
        }
        switch node.opType {
        case "Constant":
            if let tensor = node.attribute("value")?.tensor { return Self.ints(tensor) }
            if let v = node.attribute("value_int")?.int { return Ints(shape: [], values: [v]) }
            if let v = node.attribute("value_ints")?.ints { return Ints(shape: [v.count], values: v) }
            return nil
        case "Identity":
            return input(0)
        case "Cast":
            // Integer values survive a cast to any integer type or float32/64 unchanged at these sizes.
            guard let to = node.attribute("to")?.int, [1, 6, 7, 11].contains(to) else { return nil }
            return input(0)
        case "ConstantOfShape":
            guard let shape = input(0), shape.shape.count <= 1, shape.values.allSatisfy({ $0 >= 0 }) else { return nil }
            var fill: Int64 = 0
            if let tensor = node.attribute("value")?.tensor {
                guard let scalar = Self.ints(tensor), scalar.values.count == 1 else { return nil }
                fill = scalar.values[0]
            }
            let dims = shape.values.map { Int($0) }
            guard let count = Self.count(dims) else { return nil }
            return Ints(shape: dims, values: Array(repeating: fill, count: count))
        case "Concat":
            guard let axis = node.attribute("axis")?.int else { return nil }
            var parts: [Ints] = []
            for i in node.inputs.indices { guard let part = input(i) else { return nil }; parts.append(part) }
            return Self.concat(parts, axis: Int(axis))
        case "Reshape":
            guard let data = input(0), let shape = input(1), shape.shape.count == 1 else { return nil }
            return Self.reshape(data, to: shape.values, allowZero: node.attribute("allowzero")?.int == 1)
        case "Transpose":
            guard let data = input(0) else { return nil }
            let perm = node.attribute("perm")?.ints.map { $0.map(Int.init) } ?? Array((0..<data.shape.count).reversed())
            return Self.transpose(data, perm: perm)
        case "Slice":
            guard let data = input(0), let starts = input(1), let ends = input(2) else { return nil }
            let axes = node.inputs.count > 3 && !node.inputs[3].isEmpty ? input(3) : Ints(shape: [data.shape.count], values: (0..<Int64(data.shape.count)).map { $0 })
            let steps = node.inputs.count > 4 && !node.inputs[4].isEmpty ? input(4) : Ints(shape: [starts.values.count], values: Array(repeating: 1, count: starts.values.count))
            guard let axes, let steps else { return nil }
            return Self.slice(data, starts: starts.values, ends: ends.values, axes: axes.values, steps: steps.values)
        case "Squeeze", "Unsqueeze":
            guard let data = input(0) else { return nil }
            let axes = node.attribute("axes")?.ints ?? input(1)?.values
            return Self.squeeze(data, axes: axes, unsqueeze: node.opType == "Unsqueeze")
        default:
            return nil
        }
    }

    private static func ints(_ tensor: ONNXTensor) -> Ints? {
        guard let dims = dims(tensor.dims), let count = count(dims), count <= maximumCount else { return nil }
        let values: [Int64]
        switch tensor.dataType {
        case .int64, .int32: guard let v = try? tensor.int64s() else { return nil }; values = v
        case .float:
            guard let v = try? tensor.floats(), v.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e15 }) else { return nil }
            values = v.map { Int64($0) }
        default: return nil
        }
        guard values.count == count else { return nil }
        return Ints(shape: dims, values: values)
    }

    private static func dims(_ dims: [Int64]) -> [Int]? {
        var out: [Int] = []
        for d in dims { guard d >= 0, let v = Int(exactly: d) else { return nil }; out.append(v) }
        return out
    }

    private static func count(_ dims: [Int]) -> Int? {
        var n = 1
        for d in dims {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maximumCount else { return nil }
            n = p
        }
        return n
    }

    private static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
        return strides
    }

    /// Calls `body` with every multi-index of `shape`, in row-major order.
    private static func forEachIndex(_ shape: [Int], _ body: ([Int]) -> Void) {
        guard shape.allSatisfy({ $0 > 0 }) else { return }
        var index = [Int](repeating: 0, count: shape.count)
        while true {
            body(index)
            if !advance(&index, in: shape, throughAxis: shape.count - 1) { return }
        }
    }

    private static func concat(_ parts: [Ints], axis: Int) -> Ints? {
        guard let first = parts.first else { return nil }
        let rank = first.shape.count
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else { return nil }
        var shape = first.shape
        shape[a] = 0
        for part in parts {
            guard part.shape.count == rank else { return nil }
            for i in 0..<rank where i != a { guard part.shape[i] == first.shape[i] else { return nil } }
            shape[a] += part.shape[a]
        }
        guard count(shape) != nil else { return nil }
        let outer = shape[..<a].reduce(1, *)
        var values: [Int64] = []
        for o in 0..<outer {
            for part in parts {
                let block = part.shape[a...].reduce(1, *)
                values += part.values[(o * block)..<((o + 1) * block)]
            }
        }
        return Ints(shape: shape, values: values)
    }

    private static func reshape(_ data: Ints, to target: [Int64], allowZero: Bool) -> Ints? {
        var shape: [Int] = []
        var inferred: Int?
        for (i, d) in target.enumerated() {
            if d == -1 {
                guard inferred == nil else { return nil }
                inferred = i
                shape.append(1)
            } else if d == 0 && !allowZero {
                guard i < data.shape.count else { return nil }
                shape.append(data.shape[i])
            } else {
                guard d >= 0, let v = Int(exactly: d) else { return nil }
                shape.append(v)
            }
        }
        if let i = inferred {
            guard let known = count(shape), known > 0, data.values.count % known == 0 else { return nil }
            shape[i] = data.values.count / known
        }
        guard count(shape) == data.values.count else { return nil }
        return Ints(shape: shape, values: data.values)
    }

    private static func transpose(_ data: Ints, perm: [Int]) -> Ints? {
        let rank = data.shape.count
        guard perm.count == rank, Set(perm) == Set(0..<rank) else { return nil }
        let shape = perm.map { data.shape[$0] }
        let source = strides(data.shape)
        var values: [Int64] = []
        values.reserveCapacity(data.values.count)
        forEachIndex(shape) { index in
            var offset = 0
            for (axis, i) in index.enumerated() { offset += i * source[perm[axis]] }
            values.append(data.values[offset])
        }
        return Ints(shape: shape, values: values)
    }

    private static func slice(_ data: Ints, starts: [Int64], ends: [Int64], axes: [Int64], steps: [Int64]) -> Ints? {
        let rank = data.shape.count
        guard starts.count == ends.count, starts.count == axes.count, starts.count == steps.count else { return nil }
        var first = [Int](repeating: 0, count: rank)
        var step = [Int](repeating: 1, count: rank)
        var shape = data.shape
        for k in starts.indices {
            let a = Int(axes[k] < 0 ? axes[k] + Int64(rank) : axes[k])
            guard a >= 0, a < rank, steps[k] != 0, steps[k] != .min else { return nil }
            let dim = Int64(data.shape[a]), s = steps[k]
            var b = starts[k] < 0 ? starts[k] + dim : starts[k]
            var e = ends[k] < 0 ? ends[k] + dim : ends[k]
            if s > 0 {
                b = min(max(b, 0), dim)
                e = min(max(e, 0), dim)
                shape[a] = e > b ? Int((e - b - 1) / s + 1) : 0
            } else {
                b = min(max(b, -1), dim - 1)
                e = min(max(e, -1), dim - 1)
                shape[a] = b > e ? Int((b - e - 1) / (-s) + 1) : 0
            }
            first[a] = Int(b)
            step[a] = Int(s)
        }
        let source = strides(data.shape)
        var values: [Int64] = []
        forEachIndex(shape) { index in
            var offset = 0
            for axis in 0..<rank { offset += (first[axis] + index[axis] * step[axis]) * source[axis] }
            values.append(data.values[offset])
        }
        return Ints(shape: shape, values: values)
    }

    private static func squeeze(_ data: Ints, axes: [Int64]?, unsqueeze: Bool) -> Ints? {
        if unsqueeze {
            guard let axes else { return nil }
            let rank = data.shape.count + axes.count
            let normal = Set(axes.map { Int($0 < 0 ? $0 + Int64(rank) : $0) })
            guard normal.count == axes.count, normal.allSatisfy({ $0 >= 0 && $0 < rank }) else { return nil }
            var shape: [Int] = []
            var rest = data.shape.makeIterator()
            for i in 0..<rank { shape.append(normal.contains(i) ? 1 : rest.next()!) }
            return Ints(shape: shape, values: data.values)
        }
        let rank = data.shape.count
        let drop = axes.map { Set($0.map { Int($0 < 0 ? $0 + Int64(rank) : $0) }) } ?? Set(data.shape.indices.filter { data.shape[$0] == 1 })
        guard drop.allSatisfy({ $0 >= 0 && $0 < rank && data.shape[$0] == 1 }) else { return nil }
        return Ints(shape: data.shape.indices.filter { !drop.contains($0) }.map { data.shape[$0] }, values: data.values)
    }
}
