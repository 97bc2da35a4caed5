import ONNX
import TandemNN

/// One planned node: checks its attributes once (at plan time), infers output shapes from
/// input shapes, and computes. Inputs absent from the node (optional, `""`) are `nil`.
///
/// Operators are shared by every replica of a plan unless they hold buffers, in which case
/// ``replica()`` returns a copy with its own.
class Operator: @unchecked Sendable {
    /// The node's name (or op type), for error messages.
    let label: String

    init(label: String) { self.label = label }

    /// Output shapes for the given input shapes.
    func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] { throw .unsupported(label) }

    /// Computes the outputs (already shaped by ``shapes(_:)``).
    func run(_ inputs: [Slot?], _ outputs: [Slot]) {}

    /// An operator with its own buffers for another replica (stateless ones return `self`).
    func replica() -> Operator { self }

    /// Outputs that are their input (the same storage, possibly another shape): index of the input.
    var aliases: [Int: Int] { [:] }

    func invalid(_ why: String) -> ONNXError { .invalid("\(label): \(why)") }
}

/// What an operator reads from its node at plan time: attributes (each must be used, so an
/// unknown one is an error that names it) and constant inputs.
struct NodeReader {
    let node: ONNXNode
    let opset: Int64
    let constants: [String: ConstantValue]
    private(set) var used: Set<String> = []

    init(node: ONNXNode, opset: Int64, constants: [String: ConstantValue]) {
        self.node = node
        self.opset = opset
        self.constants = constants
    }

    var label: String { node.name.isEmpty ? node.opType : "\(node.opType) '\(node.name)'" }

    mutating func attribute(_ name: String) -> ONNXAttribute? {
        used.insert(name)
        return node.attribute(name)
    }

    mutating func int(_ name: String, default value: Int) throws(ONNXError) -> Int {
        guard let attribute = attribute(name) else { return value }
        guard let v = attribute.int, let i = Int(exactly: v) else { throw wrongType(name, "an integer") }
        return i
    }

    mutating func float(_ name: String, default value: Float) throws(ONNXError) -> Float {
        guard let attribute = attribute(name) else { return value }
        guard let v = attribute.float else { throw wrongType(name, "a float") }
        return v
    }

    mutating func ints(_ name: String) throws(ONNXError) -> [Int]? {
        guard let attribute = attribute(name) else { return nil }
        guard let v = attribute.ints else { throw wrongType(name, "integers") }
        return try Self.checked(v, label: label, name: name)
    }

    mutating func string(_ name: String, default value: String) throws(ONNXError) -> String {
        guard let attribute = attribute(name) else { return value }
        guard let v = attribute.string else { throw wrongType(name, "a string") }
        return v
    }

    /// Refuses attributes that no ``attribute(_:)`` call asked for.
    func finish() throws(ONNXError) {
        for attribute in node.attributes where !used.contains(attribute.name) {
            throw .unsupported("attribute '\(attribute.name)' of \(label)")
        }
    }

    /// Input `index`, which must be a constant integer tensor (shapes, axes, pads), or nil if absent.
    func constantInts(_ index: Int, _ what: String) throws(ONNXError) -> [Int]? {
        guard index < node.inputs.count, !node.inputs[index].isEmpty else { return nil }
        guard case .ints(let values, _)? = constants[node.inputs[index]] else {
            throw .unsupported("\(label): \(what) computed from tensor data (it must be known when planning)")
        }
        return try Self.checked(values, label: label, name: what)
    }

    /// Input `index` as constant integers clamped to ±2⁴⁰ (Slice bounds, where exporters
    /// write INT64_MAX for "to the end"), or nil if absent.
    func clampedInts(_ index: Int, _ what: String) throws(ONNXError) -> [Int]? {
        guard index < node.inputs.count, !node.inputs[index].isEmpty else { return nil }
        guard case .ints(let values, _)? = constants[node.inputs[index]] else {
            throw .unsupported("\(label): \(what) computed from tensor data (it must be known when planning)")
        }
        return values.map { Int(max(min($0, 1 << 40), -(1 << 40))) }
    }

    /// Input `index` as a constant float tensor, or nil if absent.
    func constantFloats(_ index: Int) -> (values: [Float], shape: [Int])? {
        guard index < node.inputs.count, case .floats(let values, let shape)? = constants[node.inputs[index]] else { return nil }
        return (values, shape)
    }

    func hasInput(_ index: Int) -> Bool { index < node.inputs.count && !node.inputs[index].isEmpty }

    private func wrongType(_ name: String, _ expected: String) -> ONNXError {
        .invalid("\(label): attribute '\(name)' is not \(expected)")
    }

    static func checked(_ values: [Int64], label: String, name: String) throws(ONNXError) -> [Int] {
        var result: [Int] = []
        for v in values {
            guard let i = Int(exactly: v), i >= -(1 << 40), i <= 1 << 40 else { throw .invalid("\(label): '\(name)' value \(v) is out of range") }
            result.append(i)
        }
        return result
    }
}

/// A value known when planning, as operators read it (see ``KnownTensor/constant``).
enum ConstantValue {
    case floats([Float], shape: [Int])
    case ints([Int64], shape: [Int])

    var shape: [Int] {
        switch self {
        case .floats(_, let shape), .ints(_, let shape): shape
        }
    }
}

/// Normalises a possibly negative axis for a rank.
func normalizedAxis(_ axis: Int, rank: Int, _ op: Operator) throws(ONNXError) -> Int {
    let a = axis < 0 ? axis + rank : axis
    guard a >= 0 && a < rank else { throw op.invalid("axis \(axis) out of range for rank \(rank)") }
    return a
}

/// The element count of a shape, refusing negative sizes and absurd totals.
func checkedCount(_ shape: [Int], _ op: Operator) throws(ONNXError) -> Int {
    var count = 1
    for d in shape {
        guard d >= 0 else { throw op.invalid("negative dimension in \(shape)") }
        let (p, overflow) = count.multipliedReportingOverflow(by: d)
        guard !overflow, p <= 1 << 32 else { throw op.invalid("tensor \(shape) is too large") }
        count = p
    }
    return count
}
