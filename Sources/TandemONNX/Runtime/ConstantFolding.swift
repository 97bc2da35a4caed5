import Glibc
import ONNX
import TandemNN

/// A tensor whose elements are known while planning: an initializer, a `Constant`, or the
/// result of folding nodes whose inputs are all known (shape arithmetic such as
/// Shape → Gather → Unsqueeze → Concat → Reshape, attention masks). Elements are kept as
/// doubles, which hold every integer a shape or an index can be exactly.
struct KnownTensor {
    enum Kind { case float, integer, boolean }
    var kind: Kind
    var shape: [Int]
    var values: [Double]

    /// The largest tensor folding makes (elements).
    static let limit = 1 << 22

    init(kind: Kind, shape: [Int], values: [Double]) {
        self.kind = kind
        self.shape = shape
        self.values = values
    }

    init(_ tensor: ONNXTensor) throws(ONNXError) {
        shape = try NodeReader.checked(tensor.dims, label: "tensor '\(tensor.name)'", name: "dims")
        _ = try tensor.elementCount()
        switch tensor.dataType {
        case .float, .double:
            kind = .float
            values = try tensor.floats().map(Double.init)
        case .int64, .int32, .int16, .int8, .uint32, .uint16, .uint8:
            kind = .integer
            values = try tensor.int64s().map(Double.init)
        case .bool:
            kind = .boolean
            values = try tensor.int64s().map { $0 != 0 ? 1 : 0 }
        default: throw .unsupported("tensor '\(tensor.name)' of type \(tensor.dataType)")
        }
    }

    /// How operators read it: integers as integers, floats and booleans (0 and 1) as floats.
    var constant: ConstantValue {
        switch kind {
        case .integer: .ints(values.map(Self.integer), shape: shape)
        case .float, .boolean: .floats(values.map { Float($0) }, shape: shape)
        }
    }

    /// A double as an int64, saturating (so INT64_MAX, a common "to the end" marker, stays itself).
    static func integer(_ v: Double) -> Int64 {
        if v.isNaN { return 0 }
        if v >= 9.2e18 { return .max }
        if v <= -9.2e18 { return .min }
        return Int64(v)
    }
}

/// Evaluates nodes whose inputs are all known while planning.
enum ConstantFolding {
    /// Operators with no run-time implementation: their inputs must be known when planning.
    static let foldOnly: Set<String> = ["Shape", "Size", "ConstantOfShape", "Range", "Trilu", "Cast", "Mod", "Xor"]
    /// Operators that only move elements: folded by running the run-time operator on element indices.
    static let moving: Set<String> = ["Identity", "Dropout", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose",
                                      "Slice", "Concat", "Gather", "Expand", "Tile", "Split"]
    static let unary: Set<String> = ["Neg", "Abs", "Sqrt", "Exp", "Log", "Floor", "Ceil", "Reciprocal", "Not", "Relu",
                                     "Sigmoid", "Tanh", "Erf"]
    static let elementwise: Set<String> = ["Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Equal", "Less", "Greater",
                                           "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", "Where"]

    /// The outputs of `reader.node` from its known inputs, or nil when it is not folded (it
    /// then runs as an operator, its known inputs as constants).
    static func fold(_ reader: inout NodeReader, _ inputs: [KnownTensor?],
                     makeOperator: (inout NodeReader) throws(ONNXError) -> Operator) throws(ONNXError) -> [KnownTensor]? {
        let node = reader.node, label = reader.label
        let op = node.opType
        let arity: ClosedRange<Int> = switch op {
        case "Cast", "ConstantOfShape": 1...1
        case "Trilu": 1...2
        case "Range": 3...3
        case _ where unary.contains(op): 1...1
        default: 1...Int.max
        }
        guard arity.contains(inputs.count), inputs[0] != nil else { throw .invalid("\(label) has \(inputs.count) inputs") }
        var results: [KnownTensor]
        if op == "Cast" {
            results = [try cast(&reader, inputs[0]!)]
        } else if op == "ConstantOfShape" {
            results = [try constantOfShape(&reader, inputs[0]!)]
        } else if op == "Range" {
            results = [try range(label, inputs)]
        } else if op == "Trilu" {
            results = [try trilu(&reader, inputs)]
        } else if unary.contains(op) {
            let x = inputs[0]!
            let f: (Double) -> Double
            switch op {
            case "Neg": f = { -$0 }
            case "Abs": f = { Swift.abs($0) }
            case "Sqrt": f = { $0.squareRoot() }
            case "Exp": f = { Glibc.exp($0) }
            case "Log": f = { Glibc.log($0) }
            case "Floor": f = { $0.rounded(.down) }
            case "Ceil": f = { $0.rounded(.up) }
            case "Reciprocal": f = { 1 / $0 }
            case "Not": f = { $0 == 0 ? 1 : 0 }
            case "Relu": f = { Swift.max($0, 0) }
            case "Sigmoid": f = { 1 / (1 + Glibc.exp(-$0)) }
            case "Tanh": f = { Glibc.tanh($0) }
            default: f = { Glibc.erf($0) }
            }
            results = [KnownTensor(kind: x.kind, shape: x.shape, values: x.values.map(f))]
        } else if elementwise.contains(op) {
            guard node.attributes.allSatisfy({ $0.name == "fmod" }) else { return nil }
            results = [try elementwise(&reader, inputs.compactMap { $0 })]
        } else if moving.contains(op) {
            results = try move(&reader, inputs, makeOperator: makeOperator)
        } else {
            return nil
        }
        for r in results {
            guard r.values.count <= KnownTensor.limit else { throw .unsupported("\(label): a constant of \(r.shape) is too large to fold") }
        }
        for (i, r) in results.enumerated() where r.kind == .float {
            results[i].values = r.values.map { Double(Float($0)) }
        }
        return results
    }

    /// A shape's element count, checked against the folding limit.
    private static func count(_ shape: [Int], _ label: String) throws(ONNXError) -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else { throw .invalid("\(label): negative dimension in \(shape)") }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= KnownTensor.limit else { throw .unsupported("\(label): a constant of \(shape) is too large to fold") }
            n = p
        }
        return n
    }

    private static func cast(_ reader: inout NodeReader, _ x: KnownTensor) throws(ONNXError) -> KnownTensor {
        let to = try reader.int("to", default: 0)
        if reader.opset >= 19 { _ = try reader.int("saturate", default: 1) }
        switch to {
        case 1, 10, 11, 16: return KnownTensor(kind: .float, shape: x.shape, values: x.values)
        case 9: return KnownTensor(kind: .boolean, shape: x.shape, values: x.values.map { $0 != 0 ? 1 : 0 })
        case 2, 3, 4, 5, 6, 7, 12, 13:
            return KnownTensor(kind: .integer, shape: x.shape, values: x.values.map { $0.isFinite ? $0.rounded(.towardZero) : 0 })
        default: throw .unsupported("\(reader.label): Cast to type \(to)")
        }
    }

    private static func constantOfShape(_ reader: inout NodeReader, _ shapeTensor: KnownTensor) throws(ONNXError) -> KnownTensor {
        guard shapeTensor.kind == .integer, shapeTensor.shape.count <= 1 else { throw .invalid("\(reader.label): the shape must be 1-D integers") }
        let shape = shapeTensor.values.map { Int(KnownTensor.integer($0)) }
        let n = try count(shape, reader.label)
        var fill = KnownTensor(kind: .float, shape: [1], values: [0])
        if let tensor = reader.attribute("value")?.tensor {
            fill = try KnownTensor(tensor)
            guard fill.values.count == 1 else { throw .invalid("\(reader.label): value must hold one element") }
        }
        return KnownTensor(kind: fill.kind, shape: shape, values: [Double](repeating: fill.values[0], count: n))
    }

    private static func range(_ label: String, _ inputs: [KnownTensor?]) throws(ONNXError) -> KnownTensor {
        let scalars = inputs.compactMap { $0 }
        guard scalars.count == 3, scalars.allSatisfy({ $0.values.count == 1 }) else { throw .invalid("\(label): start, limit and delta must be scalars") }
        let (start, limit, delta) = (scalars[0].values[0], scalars[1].values[0], scalars[2].values[0])
        guard delta != 0, start.isFinite, limit.isFinite, delta.isFinite else { throw .invalid("\(label): delta is 0 (or a bound is not finite)") }
        let steps = Swift.max(((limit - start) / delta).rounded(.up), 0)
        guard steps <= Double(KnownTensor.limit) else { throw .unsupported("\(label): a range of \(steps) elements is too large to fold") }
        let n = Int(steps)
        return KnownTensor(kind: scalars[0].kind, shape: [n], values: (0..<n).map { start + Double($0) * delta })
    }

    private static func trilu(_ reader: inout NodeReader, _ inputs: [KnownTensor?]) throws(ONNXError) -> KnownTensor {
        let upper = try reader.int("upper", default: 1) != 0
        var x = inputs[0]!
        guard x.shape.count >= 2 else { throw .invalid("\(reader.label): input \(x.shape) has fewer than 2 axes") }
        let k = inputs.count > 1 ? inputs[1].map { Int(KnownTensor.integer($0.values.first ?? 0)) } ?? 0 : 0
        let rows = x.shape[x.shape.count - 2], columns = x.shape[x.shape.count - 1]
        for i in x.values.indices {
            let c = i % columns, r = (i / columns) % rows
            if upper ? c - r < k : c - r > k { x.values[i] = 0 }
        }
        return x
    }

    private static func elementwise(_ reader: inout NodeReader, _ inputs: [KnownTensor]) throws(ONNXError) -> KnownTensor {
        let op = reader.node.opType, label = reader.label
        let fmod = try reader.int("fmod", default: 0) != 0
        guard !inputs.isEmpty, op == "Where" ? inputs.count == 3 : (op == "Max" || op == "Min" || inputs.count == 2) else {
            throw .invalid("\(label) has \(inputs.count) inputs")
        }
        let probe = Operator(label: label)
        var shape = inputs[0].shape
        for x in inputs.dropFirst() { shape = try broadcast(shape, x.shape, probe) }
        let n = try count(shape, label)
        let indices = inputs.map { sourceIndices(shape, broadcastStrides($0.shape, to: shape)) }
        let data = op == "Where" ? inputs[1] : inputs[0]
        let integer = data.kind == .integer
        var kind = data.kind
        if ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"].contains(op) { kind = .boolean }
        var values = [Double](repeating: 0, count: n)
        for o in 0..<n {
            let a = inputs[0].values[indices[0][o]]
            let b = inputs.count > 1 ? inputs[1].values[indices[1][o]] : a
            let v: Double
            switch op {
            case "Add": v = a + b
            case "Sub": v = a - b
            case "Mul": v = a * b
            case "Div":
                if integer {
                    guard b != 0 else { throw .invalid("\(label): integer division by zero") }
                    v = (a / b).rounded(.towardZero)
                } else {
                    v = a / b
                }
            case "Pow": v = Glibc.pow(a, b)
            case "Mod":
                if integer && b == 0 { throw .invalid("\(label): integer modulo by zero") }
                let r = Glibc.fmod(a, b)
                v = fmod || r == 0 || (r < 0) == (b < 0) ? r : r + b
            case "Max", "Min":
                var m = a
                for (x, idx) in zip(inputs, indices) { m = op == "Max" ? Swift.max(m, x.values[idx[o]]) : Swift.min(m, x.values[idx[o]]) }
                v = m
            case "Equal": v = a == b ? 1 : 0
            case "Less": v = a < b ? 1 : 0
            case "Greater": v = a > b ? 1 : 0
            case "LessOrEqual": v = a <= b ? 1 : 0
            case "GreaterOrEqual": v = a >= b ? 1 : 0
            case "And": v = a != 0 && b != 0 ? 1 : 0
            case "Or": v = a != 0 || b != 0 ? 1 : 0
            case "Xor": v = (a != 0) != (b != 0) ? 1 : 0
            default: v = a != 0 ? b : inputs[2].values[indices[2][o]]   // Where
            }
            values[o] = v
        }
        if kind == .integer { values = values.map { $0.isFinite ? $0.rounded(.towardZero) : 0 } }
        return KnownTensor(kind: kind, shape: shape, values: values)
    }

    /// Folds an element-moving operator: the run-time operator is run on the indices of the
    /// elements (exact in float32 below 2²⁴), which then pick the known values.
    private static func move(_ reader: inout NodeReader, _ inputs: [KnownTensor?],
                             makeOperator: (inout NodeReader) throws(ONNXError) -> Operator) throws(ONNXError) -> [KnownTensor] {
        let op = try makeOperator(&reader)
        let dataPositions = reader.node.opType == "Concat" ? Array(inputs.indices) : [0]
        var slots = [Slot?](repeating: nil, count: inputs.count)
        var pool: [Double] = []
        for p in dataPositions {
            guard let x = inputs[p] else { continue }
            slots[p] = Slot(shape: x.shape, values: (0..<x.values.count).map { Float(pool.count + $0) })
            pool += x.values
        }
        guard pool.count < 1 << 24 else { throw .unsupported("\(reader.label): a constant too large to fold") }
        let shapes = try op.shapes(slots.map { $0?.shape })
        var outputs: [Slot] = []
        for shape in shapes {
            let n = try count(shape, reader.label)
            let slot = Slot()
            slot.reshape(shape)
            slot.pointer.update(repeating: 0, count: n)
            outputs.append(slot)
        }
        if op.aliases[0] != nil, let source = slots[0] {
            outputs[0].pointer.update(from: source.pointer, count: outputs[0].count)
        } else if outputs.contains(where: { $0.count > 0 }) {
            op.run(slots, outputs)
        }
        let kind = inputs[0]?.kind ?? .float
        return outputs.map { slot in
            KnownTensor(kind: kind, shape: slot.shape, values: slot.values.map { v in
                let i = Int(exactly: v) ?? 0
                return pool.indices.contains(i) ? pool[i] : 0
            })
        }
    }
}
