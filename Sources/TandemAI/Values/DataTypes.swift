import CRedisModule

/// The module data types registered with Redis: `AI_TENSOR`, `AI__MODEL` and `AI_SCRIPT`,
/// all at encoding version 4, RedisAI's layout (see “Data types and persistence” in Documentation/RedisModule.md).
///
/// The handles are set once in `OnLoad` and only read afterwards.
enum DataTypes {
    /// RedisAI's RDB encoding version.
    static let encodingVersion: Int32 = 4

    nonisolated(unsafe) private(set) static var tensor: OpaquePointer?
    nonisolated(unsafe) private(set) static var model: OpaquePointer?
    nonisolated(unsafe) private(set) static var script: OpaquePointer?

    /// Registers the three types; `false` if Redis refused one.
    static func register(_ ctx: OpaquePointer) -> Bool {
        tensor = TensorType.register(ctx)
        model = ModelType.register(ctx)
        script = ScriptType.register(ctx)
        return tensor != nil && model != nil && script != nil
    }
}

/// Redis strings made with no context for one call (EmitAOF, Replicate), freed together.
struct StringVector: ~Copyable {
    private(set) var strings: [OpaquePointer?] = []

    init() {}

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { strings.append(rm_create_string(nil, $0.baseAddress, $0.count)) }
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        strings.append(rm_create_string(nil, bytes.baseAddress, bytes.count))
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    mutating func append(_ value: Int64) {
        strings.append(rm_create_string_from_long_long(nil, value))
    }

    /// Calls `body` with the vector as C wants it (`RedisModuleString **`, count).
    mutating func withVector<Result>(_ body: (UnsafeMutablePointer<OpaquePointer?>?, Int) -> Result) -> Result {
        let count = strings.count
        return strings.withUnsafeMutableBufferPointer { body($0.baseAddress, count) }
    }

    deinit {
        for string in strings { if let string { rm_free_string(nil, string) } }
    }
}
