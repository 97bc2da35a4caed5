import Glibc
import ONNX
import TandemNN

/// ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceProd, ReduceSumSquare, ReduceL2:
/// reduces the given axes (all when none), keeping them as size 1 when `keepdims` is set.
final class ReduceOperator: Operator, @unchecked Sendable {
    enum Function { case mean, sum, max, min, prod, sumSquare, l2 }
    let function: Function
    let axes: [Int]?
    let keepDims: Bool
    /// With no axes: reduce nothing (`noop_with_empty_axes`) instead of everything.
    let noopWhenEmpty: Bool

    static let operators: Set<String> = ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare", "ReduceL2"]

    init(_ reader: inout NodeReader) throws(ONNXError) {
        let functions: [String: Function] = ["ReduceMean": .mean, "ReduceSum": .sum, "ReduceMax": .max, "ReduceMin": .min,
                                             "ReduceProd": .prod, "ReduceSumSquare": .sumSquare, "ReduceL2": .l2]
        function = functions[reader.node.opType] ?? .mean
        keepDims = try reader.int("keepdims", default: 1) != 0
        // ReduceSum takes its axes as an input from opset 13, the others from opset 18.
        let axesAsInput = reader.opset >= (reader.node.opType == "ReduceSum" ? 13 : 18)
        if axesAsInput {
            axes = try reader.constantInts(1, "axes")
            noopWhenEmpty = try reader.int("noop_with_empty_axes", default: 0) != 0
        } else {
            axes = try reader.ints("axes")
            noopWhenEmpty = false
        }
        super.init(label: reader.label)
    }

    /// The reduced axes of a rank (normalised, each once).
    func reduced(rank: Int) throws(ONNXError) -> Set<Int> {
        guard let axes, !axes.isEmpty else { return noopWhenEmpty ? [] : Set(0..<rank) }
        var result: Set<Int> = []
        for axis in axes {
            guard result.insert(try normalizedAxis(axis, rank: rank, self)).inserted else { throw invalid("axis \(axis) repeated") }
        }
        return result
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let x = inputs[0]!
        let r = try reduced(rank: x.count)
        if function == .max || function == .min, r.contains(where: { x[$0] == 0 }) { throw invalid("\(label) over an empty axis") }
        return [x.indices.compactMap { r.contains($0) ? (keepDims ? 1 : nil) : x[$0] }]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!, out = outputs[0]
        let x = input.shape
        guard let r = try? reduced(rank: x.count) else { return }
        // Every input element adds into its output element: strides of the output seen from the input.
        let kept = x.indices.map { r.contains($0) ? 1 : x[$0] }
        let outStrides = broadcastStrides(kept, to: x)
        let count = x.indices.reduce(1) { r.contains($1) ? $0 * x[$1] : $0 }
        let y = out.pointer, n = out.count
        let initial: Float
        switch function {
        case .max: initial = -.infinity
        case .min: initial = .infinity
        case .prod: initial = 1
        default: initial = 0
        }
        y.update(repeating: initial, count: n)
        let p = input.pointer
        walk(x, strides(of: x)) { i, _ in
            var o = 0, rest = i
            for axis in stride(from: x.count - 1, through: 0, by: -1) {
                o += (rest % x[axis]) * outStrides[axis]
                rest /= x[axis]
            }
            let v = p[i]
            switch function {
            case .mean, .sum: y[o] += v
            case .sumSquare, .l2: y[o] += v * v
            case .max: y[o] = Swift.max(y[o], v)
            case .min: y[o] = Swift.min(y[o], v)
            case .prod: y[o] *= v
            }
        }
        if function == .mean, count > 0 { for i in 0..<n { y[i] /= Float(count) } }
        if function == .l2 { for i in 0..<n { y[i] = y[i].squareRoot() } }
    }
}
