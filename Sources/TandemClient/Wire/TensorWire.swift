import RESP
import TandemTensor

/// The two tensor commands as SmartRedis sends them.
enum TensorWire {
    private static let tensorSet = Array("AI.TENSORSET".utf8)
    private static let tensorGet = Array("AI.TENSORGET".utf8)
    private static let meta = Array("META".utf8)
    private static let blob = Array("BLOB".utf8)

    /// `AI.TENSORSET key TYPE dim… BLOB bytes`.
    static func set(_ key: [UInt8], _ tensor: Tensor) -> Command {
        var arguments: [[UInt8]] = []
        arguments.reserveCapacity(tensor.shape.count + 5)
        arguments.append(tensorSet)
        arguments.append(key)
        arguments.append(Array(tensor.dtype.rawValue.utf8))
        for dim in tensor.shape { arguments.append(Array(String(dim).utf8)) }
        arguments.append(blob)
        arguments.append(tensor.bytes)
        return Command(arguments: arguments)
    }

    /// `AI.TENSORGET key META BLOB`.
    static func get(_ key: [UInt8]) -> Command {
        Command(arguments: [tensorGet, key, meta, blob])
    }

    /// Builds a tensor from the 6-element `META BLOB` reply, read by position as SmartRedis
    /// does: type at 1, dimensions at 3, data at 5.
    ///
    /// - Throws: the server's error reply (classified), or ``ClientError/Code/protocolViolation``
    ///   for any other shape.
    static func tensor(from reply: RESPValue, key: String) throws(ClientError) -> Tensor {
        if case .error(let text) = reply { throw ClientError.fromServer(text, command: "AI.TENSORGET", key: key) }
        guard let elements = reply.array, elements.count >= 6,
              let typeName = elements[1].string, let dims = elements[3].array,
              case .bulkString(let blob) = elements[5] else {
            throw .unexpectedReply(reply, command: "AI.TENSORGET \(key)")
        }
        guard let dtype = DType(rawValue: typeName) ?? DType(wireName: typeName) else {
            throw ClientError(.typeMismatch, "tensor \"\(key)\" has type \(typeName), which this client cannot read.")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dims.count)
        for dim in dims {
            guard let value = dim.integer, value > 0, value <= Int64(Int.max) else {
                throw .unexpectedReply(reply, command: "AI.TENSORGET \(key)")
            }
            shape.append(Int(value))
        }
        do {
            return try Tensor(dtype: dtype, shape: shape, bytes: blob)
        } catch {
            throw ClientError(.protocolViolation, "tensor \"\(key)\" came back malformed: \(error)")
        }
    }
}
