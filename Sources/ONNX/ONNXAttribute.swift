/// A named operator parameter (`AttributeProto`).
public struct ONNXAttribute: Sendable, Equatable {
    /// An attribute's value, by its declared type.
    public enum Value: Sendable, Equatable {
        case float(Float)
        case int(Int64)
        case string([UInt8])
        case tensor(ONNXTensor)
        case graph(ONNXGraph)
        case floats([Float])
        case ints([Int64])
        case strings([[UInt8]])
        case tensors([ONNXTensor])
    }

    public var name: String
    public var value: Value

    public init(name: String, _ value: Value) {
        self.name = name
        self.value = value
    }

    /// The integer value, or `nil` if this is not an INT attribute.
    public var int: Int64? { if case .int(let v) = value { v } else { nil } }
    /// The float value, or `nil` if this is not a FLOAT attribute.
    public var float: Float? { if case .float(let v) = value { v } else { nil } }
    /// The integers, or `nil` if this is not an INTS attribute.
    public var ints: [Int64]? { if case .ints(let v) = value { v } else { nil } }
    /// The text, or `nil` if this is not a STRING attribute.
    public var string: String? { if case .string(let v) = value { String(decoding: v, as: UTF8.self) } else { nil } }
    /// The tensor, or `nil` if this is not a TENSOR attribute.
    public var tensor: ONNXTensor? { if case .tensor(let v) = value { v } else { nil } }

    init(decoding bytes: ArraySlice<UInt8>, depth: Int) throws(ONNXError) {
        var name = "", type: Int64 = 0
        var f: Float = 0, i: Int64 = 0, s: [UInt8] = [], t: ONNXTensor?, g: ONNXGraph?
        var floats: [Float] = [], ints: [Int64] = [], strings: [[UInt8]] = [], tensors: [ONNXTensor] = []
        var reader = ProtobufReader(bytes)
        while let (number, value) = try reader.nextField() {
            switch number {
            case 1: name = try ProtobufReader.string(value)
            case 2: f = try ProtobufReader.float(value)
            case 3: i = try ProtobufReader.int64(value)
            case 4: s = try ProtobufReader.bytes(value)
            case 5: t = try ONNXTensor(decoding: ONNXGraph.slice(value))
            case 6: g = try ONNXGraph(decoding: ONNXGraph.slice(value), depth: depth + 1)
            case 7: try ProtobufReader.appendFloats(value, to: &floats)
            case 8: try ProtobufReader.appendInt64s(value, to: &ints)
            case 9: strings.append(try ProtobufReader.bytes(value))
            case 10: tensors.append(try ONNXTensor(decoding: ONNXGraph.slice(value)))
            case 20: type = try ProtobufReader.int64(value)
            case 21: throw .unsupported("attribute '\(name)' referring to a function attribute")
            default: break
            }
        }
        self.name = name
        switch type {
        case 1: self.value = .float(f)
        case 2: self.value = .int(i)
        case 3: self.value = .string(s)
        case 4:
            guard let t else { throw .malformed("tensor attribute '\(name)' has no tensor") }
            self.value = .tensor(t)
        case 5:
            guard let g else { throw .malformed("graph attribute '\(name)' has no graph") }
            self.value = .graph(g)
        case 6: self.value = .floats(floats)
        case 7: self.value = .ints(ints)
        case 8: self.value = .strings(strings)
        case 9: self.value = .tensors(tensors)
        default: throw .unsupported("attribute '\(name)' of type \(type)")
        }
    }

    func encode(into writer: inout ProtobufWriter) {
        writer.string(1, name)
        switch value {
        case .float(let v): writer.float(2, v); writer.int64(20, 1)
        case .int(let v): writer.int64(3, v); writer.int64(20, 2)
        case .string(let v): writer.bytes(4, v); writer.int64(20, 3)
        case .tensor(let v): writer.message(5) { v.encode(into: &$0) }; writer.int64(20, 4)
        case .graph(let v): writer.message(6) { v.encode(into: &$0) }; writer.int64(20, 5)
        case .floats(let v): writer.packedFloats(7, v); writer.int64(20, 6)
        case .ints(let v): writer.packedInt64s(8, v); writer.int64(20, 7)
        case .strings(let v): for s in v { writer.bytes(9, s) }; writer.int64(20, 8)
        case .tensors(let v): for t in v { writer.message(10) { t.encode(into: &$0) } }; writer.int64(20, 9)
        }
    }
}
