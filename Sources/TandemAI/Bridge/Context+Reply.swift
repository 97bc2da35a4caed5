import CRedisModule

/// The replies a command sends (RESP2). A command sends exactly one top-level reply.
extension Context {
    /// `+text`
    func replySimple(_ text: String) { _ = rm_reply_simple(raw, text) }

    /// `+OK`
    func replyOK() { _ = rm_reply_simple(raw, "OK") }

    /// `-message`, the text sent unchanged (no `ERR ` added).
    func replyError(_ message: String) { _ = rm_reply_error(raw, message) }

    /// `:value`
    func reply(integer value: Int64) { _ = rm_reply_long_long(raw, value) }

    /// A bulk string formatted by Redis as `%.17g` (RESP2).
    func reply(double value: Double) { _ = rm_reply_double(raw, value) }

    /// A bulk string of constant text (no conversion).
    func reply(bulk text: StaticString) {
        _ = rm_reply_buffer(raw, text.utf8Start, text.utf8CodeUnitCount)
    }

    /// A bulk string of text.
    func reply(bulk text: String) {
        var text = text
        text.withUTF8 { _ = rm_reply_buffer(raw, $0.baseAddress, $0.count) }
    }

    /// A bulk string of bytes (binary-safe).
    func reply(bytes: UnsafeRawBufferPointer) { _ = rm_reply_buffer(raw, bytes.baseAddress, bytes.count) }

    /// A bulk string holding a copy of `bytes`.
    func reply(bytes: [UInt8]) { bytes.withUnsafeBytes { reply(bytes: $0) } }

    /// `*count`; exactly `count` element replies must follow.
    func replyArray(_ count: Int) { _ = rm_reply_array(raw, count) }

    /// `$-1`
    func replyNull() { _ = rm_reply_null(raw) }
}
