/// An error reply: the exact text after the `-` on the wire (RedisAI 1.2.7's texts).
///
/// Commands throw it; the dispatcher in ``Command`` sends it. Most texts start with `ERR `;
/// a few RedisAI texts do not, and are kept that way.
struct CommandError: Error {
    let message: String

    init(_ message: String) { self.message = message }

    /// `WRONGTYPE Operation against a key holding the wrong kind of value`.
    static let wrongType = CommandError("WRONGTYPE Operation against a key holding the wrong kind of value")

    /// `ERR wrong number of arguments for '<COMMAND>' command`, with RedisAI's upper-case
    /// name (Redis 7's own WrongArity would print the registered lower-case name).
    static func wrongArity(_ command: String) -> CommandError {
        CommandError("ERR wrong number of arguments for '\(command)' command")
    }

    static let tensorKeyEmpty = CommandError("ERR tensor key is empty or in a different shard")
    static let modelKeyEmpty = CommandError("ERR model key is empty")
    static let scriptKeyEmpty = CommandError("ERR script key is empty")
    static let inTransaction = CommandError("ERR Cannot run RedisAI command within a transaction or a LUA script")
}
