/// The backends RedisAI knows, with their RDB ids. TandemAI runs ``onnx`` models built in
/// and ``torch`` models and scripts through its backend library (see ``Backends``).
enum Backend: UInt64, CaseIterable, Sendable {
    case tf = 0
    case tflite = 1
    case torch = 2
    case onnx = 3

    /// The name used in commands and replies.
    var name: String {
        switch self {
        case .tf: "TF"
        case .tflite: "TFLITE"
        case .torch: "TORCH"
        case .onnx: "ONNX"
        }
    }

    /// Parses a backend name, case-insensitively.
    init?(argument bytes: UnsafeRawBufferPointer) {
        guard let match = Backend.allCases.first(where: { backend in
            bytes.count == backend.name.utf8.count
                && zip(bytes, backend.name.utf8).allSatisfy { Arguments.upper($0) == $1 }
        }) else { return nil }
        self = match
    }

    /// The error for a backend TandemAI cannot build models for. Starts with RedisAI's
    /// text for an unavailable backend, then says what is supported.
    static func unsupported(_ name: String) -> CommandError {
        CommandError("ERR Could not load backend \(name): TandemAI supports the ONNX and TORCH backends only")
    }
}
