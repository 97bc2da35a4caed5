/// One RESP2 value, as Redis sends it.
///
/// Bulk strings are bytes, not text: tensor blobs travel as bulk strings and may hold any
/// byte, NULs included.
public enum RESPValue: Sendable, Equatable {
    /// `+OK\r\n`
    case simpleString(String)
    /// `-ERR message\r\n`, kept verbatim (without the leading `-`).
    case error(String)
    /// `:42\r\n`
    case integer(Int64)
    /// `$3\r\nabc\r\n`
    case bulkString([UInt8])
    /// `*2\r\n…`
    case array([RESPValue])
    /// `$-1\r\n` or `*-1\r\n`
    case null

    /// The text of a simple or bulk string (bulk bytes decoded as UTF-8), else `nil`.
    public var string: String? {
        switch self {
        case .simpleString(let s): s
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The bytes of a bulk or simple string, else `nil`.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): bytes
        case .simpleString(let s): Array(s.utf8)
        default: nil
        }
    }

    /// The elements of an array, else `nil`.
    public var array: [RESPValue]? {
        if case .array(let elements) = self { elements } else { nil }
    }

    /// The value of an integer reply, else `nil`.
    public var integer: Int64? {
        if case .integer(let value) = self { value } else { nil }
    }
}
