/// ONNX's element types (`TensorProto.DataType`), by their wire numbers.
public enum ONNXDataType: Int32, Sendable, Equatable, CaseIterable {
    case undefined = 0, float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7
    case string = 8, bool = 9, float16 = 10, double = 11, uint32 = 12, uint64 = 13
    case complex64 = 14, complex128 = 15, bfloat16 = 16

    /// Bytes per element in `raw_data`, or `nil` where not fixed (string) or not supported.
    public var elementSize: Int? {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16, .float16, .bfloat16: 2
        case .float, .int32, .uint32: 4
        case .int64, .double, .uint64, .complex64: 8
        case .complex128: 16
        case .undefined, .string: nil
        }
    }

    /// The type for a wire number; unknown numbers are an ``ONNXError/unsupported(_:)`` error.
    static func from(_ raw: Int64) throws(ONNXError) -> ONNXDataType {
        guard let value = Int32(exactly: raw).flatMap(ONNXDataType.init(rawValue:)) else {
            throw .unsupported("tensor data type \(raw)")
        }
        return value
    }
}

/// A constant tensor of an ONNX model (`TensorProto`): an initializer or an attribute value.
public struct ONNXTensor: Sendable, Equatable {
    public var name: String
    public var dims: [Int64]
    public var dataType: ONNXDataType
    /// The elements little-endian in `raw_data`, when the model stored them so.
    public var rawData: [UInt8]
    /// Elements stored in the typed fields instead of `raw_data`.
    public var floatData: [Float] = []
    public var int64Data: [Int64] = []
    /// `int32_data`, which ONNX also uses for int8/16, uint8/16, bool and float16 elements.
    public var int32Data: [Int64] = []
    public var doubleData: [Double] = []

    /// A float32 tensor stored as raw data.
    public init(name: String, dims: [Int64], floats: [Float]) {
        self.name = name
        self.dims = dims
        dataType = .float
        rawData = floats.withUnsafeBytes { Array($0) }
    }

    /// An int64 tensor stored as raw data.
    public init(name: String, dims: [Int64], int64s: [Int64]) {
        self.name = name
        self.dims = dims
        dataType = .int64
        rawData = int64s.withUnsafeBytes { Array($0) }
    }

    /// The element count, checked: dims non-negative, no overflow.
    public func elementCount() throws(ONNXError) -> Int {
        var count = 1
        for d in dims {
            guard d >= 0, let dim = Int(exactly: d) else { throw .invalid("tensor '\(name)' has dimension \(d)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= 1 << 34 else { throw .invalid("tensor '\(name)' is too large") }
            count = product
        }
        return count
    }

    /// The elements as float32.
    ///
    /// - Throws: ``ONNXError`` when the type is not float or double, or the data does not
    ///   match the dims.
    public func floats() throws(ONNXError) -> [Float] {
        let count = try elementCount()
        switch dataType {
        case .float:
            if !rawData.isEmpty {
                guard rawData.count == count * 4 else { throw mismatch(rawData.count / 4, count) }
                return (0..<count).map { i in Float(bitPattern: UInt32(littleEndian(at: 4 * i, size: 4))) }
            }
            guard floatData.count == count else { throw mismatch(floatData.count, count) }
            return floatData
        case .double:
            if !rawData.isEmpty {
                guard rawData.count == count * 8 else { throw mismatch(rawData.count / 8, count) }
                return (0..<count).map { i in Float(Double(bitPattern: littleEndian(at: 8 * i, size: 8))) }
            }
            guard doubleData.count == count else { throw mismatch(doubleData.count, count) }
            return doubleData.map(Float.init)
        default:
            throw .unsupported("tensor '\(name)' of type \(dataType) where float32 is needed")
        }
    }

    /// The elements as int64 (for shapes, axes, pads, masks), from int64, int32, int16, int8,
    /// uint32, uint16, uint8 or bool tensors.
    public func int64s() throws(ONNXError) -> [Int64] {
        let count = try elementCount()
        let size: Int
        switch dataType {
        case .int64: size = 8
        case .int32, .uint32: size = 4
        case .int16, .uint16: size = 2
        case .int8, .uint8, .bool: size = 1
        default: throw .unsupported("tensor '\(name)' of type \(dataType) where integers are needed")
        }
        if !rawData.isEmpty {
            guard rawData.count == count * size else { throw mismatch(rawData.count / size, count) }
            let signed = dataType == .int64 || dataType == .int32 || dataType == .int16 || dataType == .int8
            return (0..<count).map { i in
                let bits = littleEndian(at: size * i, size: size)
                if size == 8 { return Int64(bitPattern: bits) }
                guard signed else { return Int64(bits) }
                let shift = UInt64(64 - 8 * size)
                return Int64(bitPattern: bits << shift) >> Int64(shift)
            }
        }
        let values = dataType == .int64 ? int64Data : int32Data
        guard values.count == count else { throw mismatch(values.count, count) }
        return values
    }

    /// `size` bytes of `rawData` from `offset`, little-endian; the caller checked the bounds.
    private func littleEndian(at offset: Int, size: Int) -> UInt64 {
        var bits: UInt64 = 0
        for b in 0..<size { bits |= UInt64(rawData[offset + b]) << (8 * UInt64(b)) }
        return bits
    }

    private func mismatch(_ found: Int, _ expected: Int) -> ONNXError {
        .invalid("tensor '\(name)' holds \(found) elements but its dims \(dims) need \(expected)")
    }
}

extension ONNXTensor {
    init(decoding bytes: ArraySlice<UInt8>) throws(ONNXError) {
        self.init(name: "", dims: [], floats: [])
        rawData = []
        var reader = ProtobufReader(bytes)
        while let (number, value) = try reader.nextField() {
            switch number {
            case 1: try ProtobufReader.appendInt64s(value, to: &dims)
            case 2: dataType = try ONNXDataType.from(ProtobufReader.int64(value))
            case 3: throw .unsupported("segmented tensors")
            case 4: try ProtobufReader.appendFloats(value, to: &floatData)
            case 5: try ProtobufReader.appendInt64s(value, to: &int32Data)
            case 7: try ProtobufReader.appendInt64s(value, to: &int64Data)
            case 8: name = try ProtobufReader.string(value)
            case 9: rawData = try ProtobufReader.bytes(value)
            case 10: try ProtobufReader.appendDoubles(value, to: &doubleData)
            case 13: throw .unsupported("tensors with external data")
            case 14: if try ProtobufReader.int64(value) != 0 { throw .unsupported("tensors with external data") }
            default: break
            }
        }
    }

    func encode(into writer: inout ProtobufWriter) {
        writer.packedInt64s(1, dims)
        writer.int64(2, Int64(dataType.rawValue))
        writer.packedFloats(4, floatData)
        writer.packedInt64s(5, int32Data)
        writer.packedInt64s(7, int64Data)
        writer.packedDoubles(10, doubleData)
        writer.optionalString(8, name)
        if !rawData.isEmpty { writer.bytes(9, rawData) }
    }
}
