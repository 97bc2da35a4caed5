import CTandemKernels
import Glibc
import ONNX
import TandemNN

/// Element-wise functions of one input: activations (Selu, Relu, LeakyRelu, Elu, Sigmoid,
/// Tanh, Erf, Gelu, Softplus, HardSigmoid, Clip) and arithmetic (Sqrt, Exp, Log, Neg, Abs,
/// Reciprocal, Floor, Ceil, Not), and Cast of float data to bool (non-zero as 1).
final class UnaryOperator: Operator, @unchecked Sendable {
    enum Function {
        case selu(alpha: Float, gamma: Float), relu, leakyRelu(Float), elu(Float), sigmoid, tanh, erf, gelu(tanh: Bool)
        case softplus, hardSigmoid(alpha: Float, beta: Float), clip(low: Float, high: Float)
        case sqrt, exp, log, neg, abs, reciprocal, floor, ceil, not, nonZero
    }
    let function: Function

    /// The operators this class runs.
    static let operators: Set<String> = ["Selu", "Relu", "LeakyRelu", "Elu", "Sigmoid", "Tanh", "Erf", "Gelu", "Softplus",
                                         "HardSigmoid", "Clip", "Sqrt", "Exp", "Log", "Neg", "Abs", "Reciprocal", "Floor",
                                         "Ceil", "Not"]

    init(_ reader: inout NodeReader) throws(ONNXError) {
        switch reader.node.opType {
        case "Selu":
            function = .selu(alpha: try reader.float("alpha", default: 1.67326319217681884765625),
                             gamma: try reader.float("gamma", default: 1.05070102214813232421875))
        case "Relu": function = .relu
        case "LeakyRelu": function = .leakyRelu(try reader.float("alpha", default: 0.01))
        case "Elu": function = .elu(try reader.float("alpha", default: 1))
        case "Sigmoid": function = .sigmoid
        case "Tanh": function = .tanh
        case "Erf": function = .erf
        case "Gelu":
            let approximate = try reader.string("approximate", default: "none")
            guard approximate == "none" || approximate == "tanh" else { throw .unsupported("\(reader.label): Gelu approximation '\(approximate)'") }
            function = .gelu(tanh: approximate == "tanh")
        case "Softplus": function = .softplus
        case "HardSigmoid": function = .hardSigmoid(alpha: try reader.float("alpha", default: 0.2), beta: try reader.float("beta", default: 0.5))
        case "Clip":
            if reader.opset < 11 {
                function = .clip(low: try reader.float("min", default: -.greatestFiniteMagnitude),
                                 high: try reader.float("max", default: .greatestFiniteMagnitude))
            } else {
                var bounds: [Float] = [-.greatestFiniteMagnitude, .greatestFiniteMagnitude]
                for index in 1...2 where reader.hasInput(index) {
                    guard let (v, _) = reader.constantFloats(index), v.count == 1 else {
                        throw .unsupported("\(reader.label): Clip bounds computed at run time (they must be constant scalars)")
                    }
                    bounds[index - 1] = v[0]
                }
                function = .clip(low: bounds[0], high: bounds[1])
            }
        case "Sqrt": function = .sqrt
        case "Exp": function = .exp
        case "Log": function = .log
        case "Neg": function = .neg
        case "Abs": function = .abs
        case "Reciprocal": function = .reciprocal
        case "Floor": function = .floor
        case "Ceil": function = .ceil
        case "Not": function = .not
        default: function = .nonZero
        }
        super.init(label: reader.label)
    }

    /// Cast of float data to bool: 1 where the element is not 0.
    init(nonZero label: String) {
        function = .nonZero
        super.init(label: label)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] { [inputs[0]!] }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let x = inputs[0]!.pointer, y = outputs[0].pointer, n = outputs[0].count
        switch function {
        case .selu(let alpha, let gamma):
            tk_selu(tk_default_set(), x, y, n, gamma, gamma * alpha, 0)
        case .relu: for i in 0..<n { y[i] = max(x[i], 0) }
        case .leakyRelu(let alpha): for i in 0..<n { let v = x[i]; y[i] = v < 0 ? alpha * v : v }
        case .elu(let alpha): for i in 0..<n { let v = x[i]; y[i] = v < 0 ? alpha * (expf(v) - 1) : v }
        case .sigmoid:
            for i in 0..<n {
                let v = x[i]
                // Stable on both sides: e^(−|v|) never overflows.
                let e = Float.fastExp(-Swift.abs(v))
                y[i] = v >= 0 ? 1 / (1 + e) : e / (1 + e)
            }
        case .tanh: for i in 0..<n { y[i] = tanhf(x[i]) }
        case .erf: for i in 0..<n { y[i] = erff(x[i]) }
        case .gelu(let usesTanh):
            if usesTanh {
                let c = Float(0.7978845608028654)   // √(2/π)
                for i in 0..<n { let v = x[i]; y[i] = 0.5 * v * (1 + tanhf(c * (v + 0.044715 * v * v * v))) }
            } else {
                for i in 0..<n { let v = x[i]; y[i] = 0.5 * v * (1 + erff(v * 0.70710678118654752)) }
            }
        case .softplus: for i in 0..<n { let v = x[i]; y[i] = v > 0 ? v + log1pf(expf(-v)) : log1pf(expf(v)) }
        case .hardSigmoid(let alpha, let beta): for i in 0..<n { y[i] = min(max(alpha * x[i] + beta, 0), 1) }
        case .clip(let low, let high): for i in 0..<n { y[i] = min(max(x[i], low), high) }
        case .sqrt: for i in 0..<n { y[i] = x[i].squareRoot() }
        case .exp: for i in 0..<n { y[i] = expf(x[i]) }
        case .log: for i in 0..<n { y[i] = logf(x[i]) }
        case .neg: for i in 0..<n { y[i] = -x[i] }
        case .abs: for i in 0..<n { y[i] = Swift.abs(x[i]) }
        case .reciprocal: for i in 0..<n { y[i] = 1 / x[i] }
        case .floor: for i in 0..<n { y[i] = x[i].rounded(.down) }
        case .ceil: for i in 0..<n { y[i] = x[i].rounded(.up) }
        case .not: for i in 0..<n { y[i] = x[i] == 0 ? 1 : 0 }
        case .nonZero: for i in 0..<n { y[i] = x[i] != 0 ? 1 : 0 }
        }
    }
}

/// Identity, Dropout in inference, and the reshaping operators: the output is the input's
/// storage under another shape (Reshape, Flatten, Squeeze, Unsqueeze).
final class AliasOperator: Operator, @unchecked Sendable {
    enum Kind { case identity, reshape([Int], allowZero: Bool), flatten(Int), squeeze([Int]?), unsqueeze([Int]) }
    let kind: Kind

    init(_ reader: inout NodeReader) throws(ONNXError) {
        let label = reader.label
        switch reader.node.opType {
        case "Identity": kind = .identity
        case "Dropout":
            if reader.opset < 7 { _ = try reader.int("is_test", default: 1) }
            if reader.opset < 12 { _ = try reader.float("ratio", default: 0.5) }
            _ = try reader.int("seed", default: 0)
            if reader.node.outputs.count > 1 && !reader.node.outputs[1].isEmpty {
                throw .unsupported("\(label): the mask output of Dropout")
            }
            if let training = try reader.constantInts(2, "training_mode"), training.contains(where: { $0 != 0 }) {
                throw .unsupported("\(label): Dropout in training mode")
            }
            if reader.hasInput(2) && reader.constants[reader.node.inputs[2]] == nil {
                throw .unsupported("\(label): training_mode computed at run time")
            }
            kind = .identity
        case "Reshape":
            guard reader.opset >= 5 else { throw .unsupported("\(label): Reshape before opset 5") }
            guard let shape = try reader.constantInts(1, "shape") else { throw .invalid("\(label): no shape input") }
            kind = .reshape(shape, allowZero: try reader.int("allowzero", default: 0) != 0)
        case "Flatten": kind = .flatten(try reader.int("axis", default: 1))
        case "Squeeze":
            kind = .squeeze(reader.opset >= 13 ? try reader.constantInts(1, "axes") : try reader.ints("axes"))
        default:
            guard let axes = reader.opset >= 13 ? try reader.constantInts(1, "axes") : try reader.ints("axes") else {
                throw .invalid("\(label): Unsqueeze needs axes")
            }
            kind = .unsqueeze(axes)
        }
        super.init(label: label)
    }

    /// The identity (Cast of float data to float).
    init(identity label: String) {
        kind = .identity
        super.init(label: label)
    }

    override var aliases: [Int: Int] { [0: 0] }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let shape = inputs[0]!
        let count = shape.reduce(1, *)
        switch kind {
        case .identity: return [shape]
        case .reshape(let target, let allowZero):
            var out: [Int] = []
            var inferred: Int?
            for (i, d) in target.enumerated() {
                if d == 0 && !allowZero {
                    guard i < shape.count else { throw invalid("shape \(target) copies a dimension the input \(shape) lacks") }
                    out.append(shape[i])
                } else if d == -1 {
                    guard inferred == nil else { throw invalid("shape \(target) has two -1") }
                    inferred = i
                    out.append(1)
                } else {
                    guard d >= 0 else { throw invalid("shape \(target) has \(d)") }
                    out.append(d)
                }
            }
            let known = try checkedCount(out, self)
            if let i = inferred {
                guard known > 0, count % known == 0 else { throw invalid("cannot reshape \(shape) to \(target)") }
                out[i] = count / known
            } else if known != count {
                throw invalid("cannot reshape \(shape) to \(target)")
            }
            return [out]
        case .flatten(let axis):
            let a = axis < 0 ? axis + shape.count : axis
            guard a >= 0 && a <= shape.count else { throw invalid("axis \(axis) out of range for rank \(shape.count)") }
            return [[shape[..<a].reduce(1, *), shape[a...].reduce(1, *)]]
        case .squeeze(let axes):
            if let axes {
                var drop: Set<Int> = []
                for axis in axes {
                    let a = try normalizedAxis(axis, rank: shape.count, self)
                    guard shape[a] == 1 else { throw invalid("cannot squeeze axis \(axis) of size \(shape[a])") }
                    drop.insert(a)
                }
                return [shape.indices.filter { !drop.contains($0) }.map { shape[$0] }]
            }
            return [shape.filter { $0 != 1 }]
        case .unsqueeze(let axes):
            let rank = shape.count + axes.count
            var insert: Set<Int> = []
            for axis in axes {
                let a = try normalizedAxis(axis, rank: rank, self)
                guard insert.insert(a).inserted else { throw invalid("axis \(axis) repeated") }
            }
            var out: [Int] = []
            var next = 0
            for i in 0..<rank {
                if insert.contains(i) { out.append(1) } else { out.append(shape[next]); next += 1 }
            }
            return [out]
        }
    }
}

/// Two-input element-wise operators with NumPy broadcasting: Add, Sub, Mul, Div, Pow, Max,
/// Min, PRelu, and the comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual, And,
/// Or), whose booleans are stored as 0 and 1.
final class BinaryOperator: Operator, @unchecked Sendable {
    enum Function { case add, sub, mul, div, pow, max, min, prelu, equal, less, greater, lessOrEqual, greaterOrEqual, and, or }
    let function: Function

    /// The operators this class runs.
    static let operators: Set<String> = ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "PRelu", "Equal", "Less", "Greater",
                                         "LessOrEqual", "GreaterOrEqual", "And", "Or"]

    init(_ reader: inout NodeReader) throws(ONNXError) {
        let functions: [String: Function] = [
            "Add": .add, "Sub": .sub, "Mul": .mul, "Div": .div, "Pow": .pow, "Max": .max, "Min": .min, "PRelu": .prelu,
            "Equal": .equal, "Less": .less, "Greater": .greater, "LessOrEqual": .lessOrEqual, "GreaterOrEqual": .greaterOrEqual,
            "And": .and, "Or": .or,
        ]
        function = functions[reader.node.opType] ?? .add
        if reader.opset < 7 {
            _ = try reader.int("broadcast", default: 0)
            _ = try reader.int("axis", default: 0)
            if reader.node.attribute("broadcast") != nil { throw .unsupported("\(reader.label): legacy broadcast attribute") }
        }
        super.init(label: reader.label)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        [try broadcast(inputs[0]!, inputs[1]!, self)]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let a = inputs[0]!, b = inputs[1]!, out = outputs[0]
        let n = out.count
        let x = a.pointer, y = b.pointer, z = out.pointer
        if a.shape == b.shape {
            apply(x, y, z, n)
            return
        }
        if b.count == 1 && a.count == n {
            let v = y[0]
            switch function {
            case .add: for i in 0..<n { z[i] = x[i] + v }
            case .sub: for i in 0..<n { z[i] = x[i] - v }
            case .mul: for i in 0..<n { z[i] = x[i] * v }
            case .div: for i in 0..<n { z[i] = x[i] / v }
            case .pow where v == 2: for i in 0..<n { z[i] = x[i] * x[i] }
            case .pow where v == 0.5: for i in 0..<n { z[i] = x[i].squareRoot() }
            default: for i in 0..<n { z[i] = compute(x[i], v) }
            }
            return
        }
        // General case: the innermost axis walked per outer index, with broadcast strides.
        let shape = out.shape
        let sa = broadcastStrides(a.shape, to: shape), sb = broadcastStrides(b.shape, to: shape)
        let rank = shape.count
        let inner = rank == 0 ? 1 : shape[rank - 1]
        let ia = rank == 0 ? 0 : sa[rank - 1], ib = rank == 0 ? 0 : sb[rank - 1]
        var index = [Int](repeating: 0, count: max(rank - 1, 0))
        var offset = 0
        while offset < n {
            var pa = 0, pb = 0
            for k in 0..<index.count { pa += index[k] * sa[k]; pb += index[k] * sb[k] }
            switch function {
            case .add: for j in 0..<inner { z[offset + j] = x[pa + j * ia] + y[pb + j * ib] }
            case .sub: for j in 0..<inner { z[offset + j] = x[pa + j * ia] - y[pb + j * ib] }
            case .mul: for j in 0..<inner { z[offset + j] = x[pa + j * ia] * y[pb + j * ib] }
            case .div: for j in 0..<inner { z[offset + j] = x[pa + j * ia] / y[pb + j * ib] }
            default: for j in 0..<inner { z[offset + j] = compute(x[pa + j * ia], y[pb + j * ib]) }
            }
            offset += inner
            _ = advance(&index, in: shape, throughAxis: index.count - 1)
        }
    }

    @inline(__always) private func compute(_ u: Float, _ v: Float) -> Float {
        switch function {
        case .add: u + v
        case .sub: u - v
        case .mul: u * v
        case .div: u / v
        case .pow: v == 2 ? u * u : powf(u, v)
        case .max: u.isNaN || v.isNaN ? .nan : Swift.max(u, v)
        case .min: u.isNaN || v.isNaN ? .nan : Swift.min(u, v)
        case .prelu: u < 0 ? u * v : u
        case .equal: u == v ? 1 : 0
        case .less: u < v ? 1 : 0
        case .greater: u > v ? 1 : 0
        case .lessOrEqual: u <= v ? 1 : 0
        case .greaterOrEqual: u >= v ? 1 : 0
        case .and: u != 0 && v != 0 ? 1 : 0
        case .or: u != 0 || v != 0 ? 1 : 0
        }
    }

    private func apply(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>, _ n: Int) {
        switch function {
        case .add: tk_add(tk_default_set(), x, y, z, n)
        case .sub: for i in 0..<n { z[i] = x[i] - y[i] }
        case .mul: for i in 0..<n { z[i] = x[i] * y[i] }
        case .div: for i in 0..<n { z[i] = x[i] / y[i] }
        default: for i in 0..<n { z[i] = compute(x[i], y[i]) }
        }
    }
}

/// Where: `condition ? x : y` element-wise with broadcasting of all three (a condition is
/// true where it is not 0).
final class WhereOperator: Operator, @unchecked Sendable {
    init(_ reader: inout NodeReader) { super.init(label: reader.label) }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        [try broadcast(try broadcast(inputs[0]!, inputs[1]!, self), inputs[2]!, self)]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let c = inputs[0]!, a = inputs[1]!, b = inputs[2]!, out = outputs[0]
        let shape = out.shape
        let z = out.pointer, n = out.count
        if c.count == n && a.count == n && b.count == n {
            for i in 0..<n { z[i] = c.pointer[i] != 0 ? a.pointer[i] : b.pointer[i] }
            return
        }
        let sc = broadcastStrides(c.shape, to: shape), sa = broadcastStrides(a.shape, to: shape), sb = broadcastStrides(b.shape, to: shape)
        let ia = sourceIndices(shape, sa), ib = sourceIndices(shape, sb)
        let cp = c.pointer, ap = a.pointer, bp = b.pointer
        walk(shape, sc) { o, i in z[o] = cp[i] != 0 ? ap[ia[o]] : bp[ib[o]] }
    }
}

/// For each element of `shape` in row-major order, the source offset under `sourceStrides`.
func sourceIndices(_ shape: [Int], _ sourceStrides: [Int]) -> [Int] {
    var result = [Int](repeating: 0, count: shape.reduce(1, *))
    walk(shape, sourceStrides) { o, i in result[o] = i }
    return result
}

/// The NumPy broadcast of two shapes.
func broadcast(_ a: [Int], _ b: [Int], _ op: Operator) throws(ONNXError) -> [Int] {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        guard da == db || da == 1 || db == 1 else { throw op.invalid("shapes \(a) and \(b) do not broadcast") }
        out[i] = da == 1 ? db : da
    }
    return out
}

/// Strides of `shape` seen as broadcast to `target` (0 along broadcast axes).
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let own = strides(of: shape)
    let shift = target.count - shape.count
    return target.indices.map { i in
        i < shift || shape[i - shift] == 1 ? 0 : own[i - shift]
    }
}

/// BatchNormalization in inference: `y = scale·(x − mean)/√(var + ε) + B` per channel (axis 1).
final class BatchNormOperator: Operator, @unchecked Sendable {
    let scale: [Float], shift: [Float]

    init(_ reader: inout NodeReader) throws(ONNXError) {
        let label = reader.label
        let epsilon = try reader.float("epsilon", default: 1e-5)
        _ = try reader.float("momentum", default: 0.9)
        if reader.opset < 7 { _ = try reader.int("is_test", default: 0); _ = try reader.ints("consumed_inputs") }
        if reader.opset < 9 { _ = try reader.int("spatial", default: 1) }
        if try reader.int("training_mode", default: 0) != 0 { throw .unsupported("\(label): BatchNormalization in training mode") }
        if reader.node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {
            throw .unsupported("\(label): BatchNormalization's running statistics outputs")
        }
        var parameters: [[Float]] = []
        for index in 1...4 {
            guard let (values, _) = reader.constantFloats(index) else {
                throw .unsupported("\(label): input \(index) computed at run time (it must be an initializer)")
            }
            parameters.append(values)
        }
        let channels = parameters[0].count
        guard parameters.allSatisfy({ $0.count == channels }) else { throw .invalid("\(label): parameter sizes differ") }
        scale = (0..<channels).map { c in parameters[0][c] / (parameters[3][c] + epsilon).squareRoot() }
        shift = (0..<channels).map { c in parameters[1][c] - parameters[2][c] * parameters[0][c] / (parameters[3][c] + epsilon).squareRoot() }
        super.init(label: label)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let shape = inputs[0]!
        guard shape.count >= 2, shape[1] == scale.count else { throw invalid("input \(shape) does not have \(scale.count) channels") }
        return [shape]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let shape = outputs[0].shape
        let channels = shape[1], plane = shape[2...].reduce(1, *)
        let x = inputs[0]!.pointer, y = outputs[0].pointer
        scale.withUnsafeBufferPointer { s in
            shift.withUnsafeBufferPointer { t in
                for n in 0..<shape[0] {
                    for c in 0..<channels {
                        let base = (n * channels + c) * plane
                        tk_affine(tk_default_set(), x + base, y + base, plane, s[c], t[c])
                    }
                }
            }
        }
    }
}
