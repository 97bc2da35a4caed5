import TandemTensor

/// How RedisAI encodes each ``DType`` in RDB payloads (DLPack code and bits)
/// and how `VALUES` elements are parsed and replied.
extension DType {
    /// The DLPack type code: 0 int, 1 uint, 2 float, 6 bool, 7 string.
    var dlpackCode: UInt64 {
        switch self {
        case .int8, .int16, .int32, .int64: 0
        case .uint8, .uint16: 1
        case .float, .double: 2
        case .bool: 6
        case .string: 7
        }
    }

    /// The DLPack bit width (8 for BOOL and STRING).
    var dlpackBits: UInt64 {
        switch self {
        case .int8, .uint8, .bool, .string: 8
        case .int16, .uint16: 16
        case .float, .int32: 32
        case .double, .int64: 64
        }
    }

    /// The type with this DLPack code and bit width, or `nil`.
    init?(dlpackCode code: UInt64, bits: UInt64) {
        guard let match = DType.allCases.first(where: { $0.dlpackCode == code && $0.dlpackBits == bits }) else { return nil }
        self = match
    }

    /// Parses a type name from argument bytes, case-insensitively, without allocating.
    init?(argument bytes: UnsafeRawBufferPointer) {
        for dtype in DType.allCases {
            let name = dtype.rawValue.utf8
            if bytes.count == name.count && zip(bytes, name).allSatisfy({ Arguments.upper($0) == $1 }) {
                self = dtype
                return
            }
        }
        return nil
    }

    /// The inclusive range a `VALUES` integer must fall in, for integer and BOOL types.
    ///
    /// Signed types accept their full two's-complement range (RedisAI rejects every
    /// negative value here, a bug this module does not copy).
    var integerRange: ClosedRange<Int64>? {
        switch self {
        case .int8: Int64(Int8.min)...Int64(Int8.max)
        case .int16: Int64(Int16.min)...Int64(Int16.max)
        case .int32: Int64(Int32.min)...Int64(Int32.max)
        case .int64: Int64.min...Int64.max
        case .uint8: 0...Int64(UInt8.max)
        case .uint16: 0...Int64(UInt16.max)
        case .bool: 0...1
        case .float, .double, .string: nil
        }
    }

    /// Stores integer `value` (already range-checked) as element `index` of `data`.
    func store(integer value: Int64, at index: Int, in data: UnsafeMutableRawPointer) {
        switch self {
        case .int8: data.storeBytes(of: Int8(truncatingIfNeeded: value), toByteOffset: index, as: Int8.self)
        case .uint8, .bool: data.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: index, as: UInt8.self)
        case .int16: data.storeBytes(of: Int16(truncatingIfNeeded: value), toByteOffset: index * 2, as: Int16.self)
        case .uint16: data.storeBytes(of: UInt16(truncatingIfNeeded: value), toByteOffset: index * 2, as: UInt16.self)
        case .int32: data.storeBytes(of: Int32(truncatingIfNeeded: value), toByteOffset: index * 4, as: Int32.self)
        case .int64: data.storeBytes(of: value, toByteOffset: index * 8, as: Int64.self)
        case .float, .double, .string: break
        }
    }

    /// Stores floating-point `value` as element `index` of `data` (FLOAT narrows to float32).
    func store(double value: Double, at index: Int, in data: UnsafeMutableRawPointer) {
        switch self {
        case .float: data.storeBytes(of: Float(value), toByteOffset: index * 4, as: Float.self)
        case .double: data.storeBytes(of: value, toByteOffset: index * 8, as: Double.self)
        default: break
        }
    }

    /// Element `index` of `data` widened to `Int64` (integer and BOOL types).
    func loadInteger(at index: Int, from data: UnsafeRawPointer) -> Int64 {
        switch self {
        case .int8: Int64(data.loadUnaligned(fromByteOffset: index, as: Int8.self))
        case .uint8, .bool: Int64(data.loadUnaligned(fromByteOffset: index, as: UInt8.self))
        case .int16: Int64(data.loadUnaligned(fromByteOffset: index * 2, as: Int16.self))
        case .uint16: Int64(data.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
        case .int32: Int64(data.loadUnaligned(fromByteOffset: index * 4, as: Int32.self))
        case .int64: data.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)
        case .float, .double, .string: 0
        }
    }

    /// Element `index` of `data` widened to `Double` (FLOAT and DOUBLE).
    func loadDouble(at index: Int, from data: UnsafeRawPointer) -> Double {
        switch self {
        case .float: Double(data.loadUnaligned(fromByteOffset: index * 4, as: Float.self))
        case .double: data.loadUnaligned(fromByteOffset: index * 8, as: Double.self)
        default: 0
        }
    }

    /// The type name as a constant (replies without building a `String`).
    var staticName: StaticString {
        switch self {
        case .float: "FLOAT"
        case .double: "DOUBLE"
        case .int8: "INT8"
        case .int16: "INT16"
        case .int32: "INT32"
        case .int64: "INT64"
        case .uint8: "UINT8"
        case .uint16: "UINT16"
        case .bool: "BOOL"
        case .string: "STRING"
        }
    }

    /// Whether `VALUES` elements of this type are replied as doubles.
    var isFloatingPoint: Bool { self == .float || self == .double }
}
