/// Why ONNX bytes cannot be read, or a model cannot be run.
public enum ONNXError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a well-formed ONNX protobuf message.
    case malformed(String)
    /// The model uses something this implementation does not support; the text names it.
    case unsupported(String)
    /// The model is well-formed but inconsistent (a missing input, a shape that does not fit).
    case invalid(String)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed ONNX model: \(why)"
        case .unsupported(let what): "unsupported ONNX feature: \(what)"
        case .invalid(let why): "invalid ONNX model: \(why)"
        }
    }
}
