/// Writes Protocol Buffers wire format: the subset ONNX messages use.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ number: Int, _ value: UInt64) {
        key(number, 0)
        appendVarint(value)
    }

    mutating func int64(_ number: Int, _ value: Int64) { varint(number, UInt64(bitPattern: value)) }

    mutating func float(_ number: Int, _ value: Float) {
        key(number, 5)
        appendFixed(UInt64(value.bitPattern), 4)
    }

    mutating func bytes(_ number: Int, _ value: [UInt8]) {
        key(number, 2)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ number: Int, _ value: String) { bytes(number, Array(value.utf8)) }

    /// A string field, written only when not empty (proto3 default elision).
    mutating func optionalString(_ number: Int, _ value: String) {
        if !value.isEmpty { string(number, value) }
    }

    /// A nested message.
    mutating func message(_ number: Int, _ build: (inout ProtobufWriter) -> Void) {
        var nested = ProtobufWriter()
        build(&nested)
        bytes(number, nested.bytes)
    }

    /// A packed repeated int64 field.
    mutating func packedInt64s(_ number: Int, _ values: [Int64]) {
        guard !values.isEmpty else { return }
        var nested = ProtobufWriter()
        for v in values { nested.appendVarint(UInt64(bitPattern: v)) }
        bytes(number, nested.bytes)
    }

    /// A packed repeated float field.
    mutating func packedFloats(_ number: Int, _ values: [Float]) {
        guard !values.isEmpty else { return }
        var nested = ProtobufWriter()
        for v in values { nested.appendFixed(UInt64(v.bitPattern), 4) }
        bytes(number, nested.bytes)
    }

    /// A packed repeated double field.
    mutating func packedDoubles(_ number: Int, _ values: [Double]) {
        guard !values.isEmpty else { return }
        var nested = ProtobufWriter()
        for v in values { nested.appendFixed(v.bitPattern, 8) }
        bytes(number, nested.bytes)
    }

    private mutating func key(_ number: Int, _ wireType: UInt64) {
        appendVarint(UInt64(number) << 3 | wireType)
    }

    private mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func appendFixed(_ value: UInt64, _ count: Int) {
        for i in 0..<count { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }
}
