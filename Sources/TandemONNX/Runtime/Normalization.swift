import ONNX
import TandemNN

/// LayerNormalization: each run of the axes from `axis` on is normalised to mean 0 and
/// variance 1 (`(x − mean)/√(var + ε)`), then scaled and shifted element-wise by the scale
/// and bias, which broadcast over the normalised axes.
final class LayerNormOperator: Operator, @unchecked Sendable {
    let axis: Int
    let epsilon: Float

    init(_ reader: inout NodeReader) throws(ONNXError) {
        axis = try reader.int("axis", default: -1)
        epsilon = try reader.float("epsilon", default: 1e-5)
        if try reader.int("stash_type", default: 1) != 1 { throw .unsupported("\(reader.label): stash_type other than float") }
        if reader.node.outputs.dropFirst().contains(where: { !$0.isEmpty }) {
            throw .unsupported("\(reader.label): LayerNormalization's Mean and InvStdDev outputs")
        }
        super.init(label: reader.label)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let x = inputs[0]!
        let a = try normalizedAxis(axis, rank: x.count, self)
        let normalized = Array(x[a...])
        for case let p? in inputs.dropFirst() {
            guard try broadcast(p, normalized, self) == normalized else {
                throw invalid("scale or bias \(p) does not broadcast to the normalised axes \(normalized)")
            }
        }
        return [x]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!, out = outputs[0]
        let shape = input.shape
        let a = axis < 0 ? axis + shape.count : axis
        let length = shape[a...].reduce(1, *), rows = shape[..<a].reduce(1, *)
        guard length > 0 else { return }
        let normalized = Array(shape[a...])
        let scale = inputs.count > 1 ? inputs[1] : nil, bias = inputs.count > 2 ? inputs[2] : nil
        // Parameters of the normalised shape (the usual case) are read in order; others through their broadcast.
        let scaleIndex = scale.flatMap { $0.count == length ? nil : sourceIndices(normalized, broadcastStrides($0.shape, to: normalized)) }
        let biasIndex = bias.flatMap { $0.count == length ? nil : sourceIndices(normalized, broadcastStrides($0.shape, to: normalized)) }
        for r in 0..<rows {
            let x = input.pointer + r * length, y = out.pointer + r * length
            let (mean, variance) = meanAndVariance(x, count: length)
            let inverse = 1 / (variance + epsilon).squareRoot()
            for i in 0..<length {
                var v = (x[i] - mean) * inverse
                if let scale { v *= scale.pointer[scaleIndex?[i] ?? i] }
                if let bias { v += bias.pointer[biasIndex?[i] ?? i] }
                y[i] = v
            }
        }
    }
}

/// InstanceNormalization: each channel of each sample (NC…) normalised over its spatial
/// axes, then `scale[c]·x̂ + bias[c]`.
final class InstanceNormOperator: Operator, @unchecked Sendable {
    let epsilon: Float

    init(_ reader: inout NodeReader) throws(ONNXError) {
        epsilon = try reader.float("epsilon", default: 1e-5)
        super.init(label: reader.label)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let x = inputs[0]!
        guard x.count >= 3, inputs[1] == [x[1]], inputs[2] == [x[1]] else {
            throw invalid("input \(x) with scale \(inputs[1] ?? []) and bias \(inputs[2] ?? []): expected [N, C, …] and [C]")
        }
        return [x]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!, out = outputs[0], scale = inputs[1]!.pointer, bias = inputs[2]!.pointer
        let shape = input.shape
        let channels = shape[1], plane = shape[2...].reduce(1, *)
        guard plane > 0 else { return }
        for p in 0..<(shape[0] * channels) {
            let x = input.pointer + p * plane, y = out.pointer + p * plane, c = p % channels
            let (mean, variance) = meanAndVariance(x, count: plane)
            let k = scale[c] / (variance + epsilon).squareRoot()
            for i in 0..<plane { y[i] = (x[i] - mean) * k + bias[c] }
        }
    }
}

/// The mean of `count` values and their (population) variance about it, in two passes.
@inline(__always)
private func meanAndVariance(_ x: UnsafePointer<Float>, count: Int) -> (mean: Float, variance: Float) {
    var mean: Float = 0
    for i in 0..<count { mean += x[i] }
    mean /= Float(count)
    var variance: Float = 0
    for i in 0..<count { let d = x[i] - mean; variance += d * d }
    return (mean, variance / Float(count))
}
