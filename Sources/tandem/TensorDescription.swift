import Foundation
import TandemTensor

/// A tensor described for a person: dtype, shape and, for numbers, count, min, max, mean,
/// standard deviation and non-finite values.
struct TensorDescription {
    let dtype: DType
    let shape: [Int]
    /// The elements as `Double`, or `nil` for string tensors.
    let values: [Double]?

    init(_ tensor: Tensor) {
        dtype = tensor.dtype
        shape = tensor.shape
        switch tensor.dtype {
        case .float: values = tensor.scalars(as: Float.self).map(Double.init)
        case .double: values = tensor.scalars(as: Double.self)
        case .int8: values = tensor.scalars(as: Int8.self).map(Double.init)
        case .int16: values = tensor.scalars(as: Int16.self).map(Double.init)
        case .int32: values = tensor.scalars(as: Int32.self).map(Double.init)
        case .int64: values = tensor.scalars(as: Int64.self).map(Double.init)
        case .uint8: values = tensor.scalars(as: UInt8.self).map(Double.init)
        case .uint16: values = tensor.scalars(as: UInt16.self).map(Double.init)
        case .bool: values = tensor.scalars(as: Bool.self).map { $0 ? 1 : 0 }
        case .string: values = nil
        }
    }

    /// `dtype FLOAT  shape [1, 64, 64, 1]` and, for numbers, a statistics line; with `first`,
    /// also the first values.
    func lines(first: Int = 0, indent: String = "") -> [String] {
        var lines = ["\(indent)dtype \(dtype.rawValue)  shape \(shape)  elements \(shape.reduce(1, *))"]
        guard let values else { return lines }
        let finite = values.filter(\.isFinite)
        if !finite.isEmpty {
            let mean = finite.reduce(0, +) / Double(finite.count)
            let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(finite.count)
            lines.append(indent + String(format: "min %.6g  max %.6g  mean %.6g  std %.6g",
                                         finite.min()!, finite.max()!, mean, variance.squareRoot()))
        }
        if finite.count < values.count {
            lines.append("\(indent)non-finite values: \(values.count - finite.count)")
        }
        if first > 0 {
            lines.append(indent + "first: " + values.prefix(first).map { String(format: "%.6g", $0) }.joined(separator: " "))
        }
        return lines
    }
}
