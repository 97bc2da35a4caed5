import CRedisModule

/// The arguments of one command call (`argv[0]` is the command name), read without copying.
///
/// Every accessor checks its index and returns `nil` (or `false`) past the end, so parsing
/// code cannot read out of bounds. The strings belong to Redis and live only during the
/// callback: copy what a background job needs.
struct Arguments {
    private let argv: UnsafeMutablePointer<OpaquePointer?>?
    /// The number of arguments, the command name included.
    let count: Int

    init(_ argv: UnsafeMutablePointer<OpaquePointer?>?, _ argc: Int32) {
        self.argv = argv
        self.count = argv == nil ? 0 : max(0, Int(argc))
    }

    /// The arguments `range` (clamped to these) as a call of their own: the argument at
    /// `range.lowerBound` becomes index 0. A DAG op is parsed this way, with its command
    /// name at index 0 as in a stand-alone call.
    func slice(_ range: Range<Int>) -> Arguments {
        let lower = min(max(range.lowerBound, 0), count)
        let upper = min(max(range.upperBound, lower), count)
        guard let argv, upper > lower else { return Arguments(nil, 0) }
        return Arguments(argv + lower, Int32(upper - lower))
    }

    /// The Redis string at `index`, or `nil` past the end.
    subscript(index: Int) -> OpaquePointer? {
        guard index >= 0, index < count, let argv else { return nil }
        return argv[index]
    }

    /// The bytes of the argument at `index` (empty past the end). Not aligned: read
    /// them with unaligned loads.
    func bytes(_ index: Int) -> UnsafeRawBufferPointer {
        guard let string = self[index] else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        var length = 0
        let pointer = rm_string_ptr_len(string, &length)
        return UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : length)
    }

    /// Whether the argument at `index` equals `keyword`, ignoring ASCII case.
    /// `keyword` must be upper-case.
    func matches(_ index: Int, _ keyword: StaticString) -> Bool {
        guard index < count else { return false }
        return Arguments.equalsIgnoringCase(bytes(index), keyword)
    }

    /// The argument as a 64-bit integer, parsed strictly like RedisAI (`StringToLongLong`:
    /// no spaces, no `+`, no decimals), or `nil`.
    func integer(_ index: Int) -> Int64? {
        guard let string = self[index] else { return nil }
        var value: Int64 = 0
        return rm_string_to_long_long(string, &value) == CRM_OK ? value : nil
    }

    /// The argument as an integer, also accepting a decimal with an integral value such as
    /// `3.0` (the keyword parser RedisAI uses for `MODELSTORE` options).
    func integerAllowingIntegralDecimal(_ index: Int) -> Int64? {
        if let value = integer(index) { return value }
        guard let value = double(index), value.rounded() == value,
              value >= -9.2233720368547758e18, value < 9.2233720368547758e18 else { return nil }
        return Int64(value)
    }

    /// The argument as a double (`StringToDouble`), or `nil`.
    func double(_ index: Int) -> Double? {
        guard let string = self[index] else { return nil }
        var value = 0.0
        return rm_string_to_double(string, &value) == CRM_OK ? value : nil
    }

    /// The argument as text, for messages (invalid UTF-8 is repaired).
    func text(_ index: Int) -> String {
        String(decoding: bytes(index), as: UTF8.self)
    }

    /// Copies the argument's bytes.
    func array(_ index: Int) -> [UInt8] {
        Array(bytes(index))
    }

    /// ASCII case-insensitive comparison with an upper-case keyword.
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ keyword: StaticString) -> Bool {
        guard bytes.count == keyword.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: keyword.utf8Start, count: keyword.utf8CodeUnitCount)
        for i in 0..<bytes.count where upper(bytes[i]) != expected[i] { return false }
        return true
    }

    /// The ASCII upper-case form of one byte.
    static func upper(_ byte: UInt8) -> UInt8 {
        byte >= 97 && byte <= 122 ? byte - 32 : byte
    }
}
