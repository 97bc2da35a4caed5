/// The element type of a ``Tensor``, named as RedisAI and SmartRedis name it on the wire.
///
/// The raw value is the exact upper-case string RedisAI accepts (`AI.TENSORSET key FLOAT …`).
/// `bool` and `string` exist in RedisAI but not in SmartRedis; SmartRedis clients cannot
/// read them.
public enum DType: String, CaseIterable, Sendable, Hashable {
    case float = "FLOAT"
    case double = "DOUBLE"
    case int8 = "INT8"
    case int16 = "INT16"
    case int32 = "INT32"
    case int64 = "INT64"
    case uint8 = "UINT8"
    case uint16 = "UINT16"
    case bool = "BOOL"
    case string = "STRING"

    /// Bytes per element, or `nil` for `string`, whose elements have variable length.
    public var elementSize: Int? {
        switch self {
        case .int8, .uint8, .bool: 1
        case .int16, .uint16: 2
        case .float, .int32: 4
        case .double, .int64: 8
        case .string: nil
        }
    }

    /// Parses a type name the way RedisAI does: case-insensitive, exact names only.
    ///
    /// - Returns: the type, or `nil` for any other name (`"UINT32"`, `"HALF"`, `"F"`).
    public init?(wireName: some StringProtocol) {
        self.init(rawValue: wireName.uppercased())
    }
}

/// A Swift scalar type that has a ``DType``: the element types of typed tensor views.
public protocol TensorScalar: Sendable {
    /// The wire type of this scalar.
    static var dtype: DType { get }
}

extension Float: TensorScalar { public static var dtype: DType { .float } }
extension Double: TensorScalar { public static var dtype: DType { .double } }
extension Int8: TensorScalar { public static var dtype: DType { .int8 } }
extension Int16: TensorScalar { public static var dtype: DType { .int16 } }
extension Int32: TensorScalar { public static var dtype: DType { .int32 } }
extension Int64: TensorScalar { public static var dtype: DType { .int64 } }
extension UInt8: TensorScalar { public static var dtype: DType { .uint8 } }
extension UInt16: TensorScalar { public static var dtype: DType { .uint16 } }
extension Bool: TensorScalar { public static var dtype: DType { .bool } }
