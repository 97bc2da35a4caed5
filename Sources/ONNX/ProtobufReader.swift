/// Reads Protocol Buffers wire format from a byte buffer, field by field, checking every
/// length against what is left so that truncated or hostile input is an error, never a trap.
struct ProtobufReader {
    /// The wire types ONNX uses.
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    /// One field's key and its value, still undecoded for length-delimited fields.
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes(ArraySlice<UInt8>)
    }

    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    var isAtEnd: Bool { index >= bytes.endIndex }

    /// The next field, or `nil` at the end of the message.
    mutating func nextField() throws(ONNXError) -> (number: Int, value: Value)? {
        guard !isAtEnd else { return nil }
        let key = try readVarint()
        let number = Int(key >> 3)
        guard number > 0, number < (1 << 29) else { throw .malformed("invalid field number \(key >> 3)") }
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            throw .malformed("unsupported protobuf wire type \(key & 7) for field \(number)")
        }
        switch wireType {
        case .varint: return (number, .varint(try readVarint()))
        case .fixed64: return (number, .fixed64(try readFixed(8)))
        case .fixed32: return (number, .fixed32(UInt32(try readFixed(4))))
        case .lengthDelimited:
            let length = try readVarint()
            guard length <= UInt64(bytes.endIndex - index) else {
                throw .malformed("field \(number) claims \(length) bytes but only \(bytes.endIndex - index) remain")
            }
            let end = index + Int(length)
            defer { index = end }
            return (number, .bytes(bytes[index..<end]))
        }
    }

    private mutating func readVarint() throws(ONNXError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < bytes.endIndex else { throw .malformed("truncated varint") }
            let byte = bytes[index]
            index += 1
            guard shift < 64 else { throw .malformed("varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private mutating func readFixed(_ count: Int) throws(ONNXError) -> UInt64 {
        guard bytes.endIndex - index >= count else { throw .malformed("truncated fixed-width field") }
        var result: UInt64 = 0
        for i in 0..<count { result |= UInt64(bytes[index + i]) << (8 * UInt64(i)) }
        index += count
        return result
    }

    // MARK: - Decoding values

    /// Text of a string field (invalid UTF-8 is repaired, not trusted).
    static func string(_ value: Value) throws(ONNXError) -> String {
        guard case .bytes(let slice) = value else { throw .malformed("expected a string field") }
        return String(decoding: slice, as: UTF8.self)
    }

    static func bytes(_ value: Value) throws(ONNXError) -> [UInt8] {
        guard case .bytes(let slice) = value else { throw .malformed("expected a bytes field") }
        return Array(slice)
    }

    static func int64(_ value: Value) throws(ONNXError) -> Int64 {
        guard case .varint(let v) = value else { throw .malformed("expected an integer field") }
        return Int64(bitPattern: v)
    }

    static func float(_ value: Value) throws(ONNXError) -> Float {
        guard case .fixed32(let v) = value else { throw .malformed("expected a float field") }
        return Float(bitPattern: v)
    }

    /// Appends a repeated varint field's values, packed or not.
    static func appendInt64s(_ value: Value, to array: inout [Int64]) throws(ONNXError) {
        switch value {
        case .varint(let v): array.append(Int64(bitPattern: v))
        case .bytes(let slice):
            var reader = ProtobufReader(slice)
            while !reader.isAtEnd { array.append(Int64(bitPattern: try reader.readVarint())) }
        default: throw .malformed("expected integers")
        }
    }

    /// Appends a repeated float field's values, packed or not.
    static func appendFloats(_ value: Value, to array: inout [Float]) throws(ONNXError) {
        switch value {
        case .fixed32(let v): array.append(Float(bitPattern: v))
        case .bytes(let slice):
            guard slice.count % 4 == 0 else { throw .malformed("packed floats not a multiple of 4 bytes") }
            var reader = ProtobufReader(slice)
            while !reader.isAtEnd { array.append(Float(bitPattern: UInt32(try reader.readFixed(4)))) }
        default: throw .malformed("expected floats")
        }
    }

    /// Appends a repeated double field's values, packed or not.
    static func appendDoubles(_ value: Value, to array: inout [Double]) throws(ONNXError) {
        switch value {
        case .fixed64(let v): array.append(Double(bitPattern: v))
        case .bytes(let slice):
            guard slice.count % 8 == 0 else { throw .malformed("packed doubles not a multiple of 8 bytes") }
            var reader = ProtobufReader(slice)
            while !reader.isAtEnd { array.append(Double(bitPattern: try reader.readFixed(8))) }
        default: throw .malformed("expected doubles")
        }
    }
}
