import CRedisModule

/// Writes to the Redis log (`<module> message`). Safe from any thread (no context is passed).
enum Log {
    static func notice(_ message: String) { rm_log(nil, "notice", message) }
    static func warning(_ message: String) { rm_log(nil, "warning", message) }
}
