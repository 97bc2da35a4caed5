/// The type of a dataset metadata field, with the 1-byte id that starts its stored value.
public enum MetadataType: UInt8, Sendable, Hashable, CaseIterable {
    case double = 1
    case float = 2
    case int32 = 3
    case int64 = 4
    case uint32 = 5
    case uint64 = 6
    case string = 7

    /// The name SmartRedis's Python client reports (`DOUBLE`, `FLOAT`, …).
    public var name: String {
        switch self {
        case .double: "DOUBLE"
        case .float: "FLOAT"
        case .int32: "INT32"
        case .int64: "INT64"
        case .uint32: "UINT32"
        case .uint64: "UINT64"
        case .string: "STRING"
        }
    }
}

/// A Swift type that can be a metadata scalar. `Int` is stored as an Int64 field, as a
/// Python `int` is.
public protocol MetadataScalar: Sendable, Equatable {
    /// The fixed-width integer holding the value's bits.
    associatedtype Bits: FixedWidthInteger
    /// The field type the value is stored as.
    static var metadataType: MetadataType { get }
    /// The value's bits (IEEE-754 for floating point, two's complement for integers).
    var metadataBits: Bits { get }
    /// The value from its bits.
    init(metadataBits: Bits)
}

extension Double: MetadataScalar {
    public static var metadataType: MetadataType { .double }
    public var metadataBits: UInt64 { bitPattern }
    public init(metadataBits: UInt64) { self.init(bitPattern: metadataBits) }
}

extension Float: MetadataScalar {
    public static var metadataType: MetadataType { .float }
    public var metadataBits: UInt32 { bitPattern }
    public init(metadataBits: UInt32) { self.init(bitPattern: metadataBits) }
}

extension Int32: MetadataScalar {
    public static var metadataType: MetadataType { .int32 }
    public var metadataBits: Int32 { self }
    public init(metadataBits: Int32) { self = metadataBits }
}

extension Int64: MetadataScalar {
    public static var metadataType: MetadataType { .int64 }
    public var metadataBits: Int64 { self }
    public init(metadataBits: Int64) { self = metadataBits }
}

extension Int: MetadataScalar {
    public static var metadataType: MetadataType { .int64 }
    public var metadataBits: Int64 { Int64(self) }
    public init(metadataBits: Int64) { self = Int(metadataBits) }
}

extension UInt32: MetadataScalar {
    public static var metadataType: MetadataType { .uint32 }
    public var metadataBits: UInt32 { self }
    public init(metadataBits: UInt32) { self = metadataBits }
}

extension UInt64: MetadataScalar {
    public static var metadataType: MetadataType { .uint64 }
    public var metadataBits: UInt64 { self }
    public init(metadataBits: UInt64) { self = metadataBits }
}

/// The values of one metadata field, and their stored byte form.
///
/// Scalars: the type id byte, then each value little-endian, with no count. Strings: `0x07`,
/// then per string its length as 8-byte little-endian and its bytes.
///
/// ```swift
/// MetadataField.scalars([42] as [Int64]).encoded()   // 04 2a 00 00 00 00 00 00 00
/// ```
public struct MetadataField: Sendable, Equatable {
    /// The field's type.
    public let type: MetadataType
    /// The values, each element in little-endian byte order (strings: see ``strings``).
    private var elements: [UInt8]
    /// The strings of a string field, as bytes.
    public private(set) var strings: [[UInt8]]

    private init(type: MetadataType, elements: [UInt8], strings: [[UInt8]]) {
        self.type = type
        self.elements = elements
        self.strings = strings
    }

    /// A scalar field holding `values`.
    public static func scalars<Scalar: MetadataScalar>(_ values: [Scalar]) -> MetadataField {
        var field = MetadataField(type: Scalar.metadataType, elements: [], strings: [])
        field.elements.reserveCapacity(values.count * MemoryLayout<Scalar.Bits>.size)
        for value in values { field.append(value) }
        return field
    }

    /// A string field holding `values`.
    public static func strings(_ values: [[UInt8]]) -> MetadataField {
        MetadataField(type: .string, elements: [], strings: values)
    }

    /// Appends a scalar.
    /// - Precondition: `Scalar.metadataType == type`.
    mutating func append<Scalar: MetadataScalar>(_ value: Scalar) {
        precondition(Scalar.metadataType == type)
        withUnsafeBytes(of: value.metadataBits.littleEndian) { elements.append(contentsOf: $0) }
    }

    /// Appends a string.
    /// - Precondition: this is a string field.
    mutating func append(string: [UInt8]) {
        precondition(type == .string)
        strings.append(string)
    }

    /// The number of values.
    public var count: Int {
        type == .string ? strings.count : elements.count / Self.elementSize(type)
    }

    /// The scalars as `Scalar`, or `nil` when the field has another type.
    public func scalars<Scalar: MetadataScalar>(as type: Scalar.Type) -> [Scalar]? {
        guard Scalar.metadataType == self.type else { return nil }
        let size = MemoryLayout<Scalar.Bits>.size
        return elements.withUnsafeBytes { raw in
            (0..<(raw.count / size)).map { i in
                Scalar(metadataBits: Scalar.Bits(littleEndian: raw.loadUnaligned(fromByteOffset: i * size, as: Scalar.Bits.self)))
            }
        }
    }

    /// The stored form: type id, then the values.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [type.rawValue]
        if type == .string {
            out.reserveCapacity(1 + strings.reduce(0) { $0 + 8 + $1.count })
            for string in strings {
                withUnsafeBytes(of: UInt64(string.count).littleEndian) { out.append(contentsOf: $0) }
                out.append(contentsOf: string)
            }
        } else {
            out.append(contentsOf: elements)
        }
        return out
    }

    /// Decodes a stored value with SmartRedis's rules: the first byte is the type; scalar
    /// data must be a whole number of elements; a string field is a sequence of 8-byte
    /// lengths and bytes (an entirely empty value is an empty string field).
    ///
    /// - Throws: ``ClientError/Code/protocolViolation`` naming `field` for any other bytes.
    public init(decoding bytes: [UInt8], field: String = "") throws(ClientError) {
        guard let first = bytes.first else {
            self.init(type: .string, elements: [], strings: [])
            return
        }
        guard let type = MetadataType(rawValue: first) else {
            throw ClientError(.protocolViolation, "metadata field \"\(field)\" has the unknown type id \(first).")
        }
        if type != .string {
            let size = Self.elementSize(type)
            guard (bytes.count - 1) % size == 0 else {
                throw ClientError(.protocolViolation, "metadata field \"\(field)\" of type \(type.name) holds \(bytes.count - 1) data bytes, not a multiple of \(size).")
            }
            self.init(type: type, elements: Array(bytes[1...]), strings: [])
            return
        }
        var strings: [[UInt8]] = []
        var index = 1
        while index < bytes.count {
            guard bytes.count - index >= 8 else {
                throw ClientError(.protocolViolation, "metadata field \"\(field)\" ends inside a string length.")
            }
            let length = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: index, as: UInt64.self)) }
            index += 8
            guard length <= UInt64(bytes.count - index) else {
                throw ClientError(.protocolViolation, "metadata field \"\(field)\" announces a \(length)-byte string with \(bytes.count - index) bytes left.")
            }
            strings.append(Array(bytes[index..<(index + Int(length))]))
            index += Int(length)
        }
        self.init(type: .string, elements: [], strings: strings)
    }

    private static func elementSize(_ type: MetadataType) -> Int {
        switch type {
        case .double, .int64, .uint64: 8
        case .float, .int32, .uint32: 4
        case .string: 1
        }
    }
}
