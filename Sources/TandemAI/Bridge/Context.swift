import CRedisModule

/// The context of one callback on Redis's main thread: replies, keys, replication.
///
/// Only valid during the callback that received it. Replies are in `Reply.swift`.
struct Context {
    let raw: OpaquePointer

    init(_ raw: OpaquePointer) { self.raw = raw }

    /// `GetContextFlags`: the `CRM_CTX_FLAGS_*` bits.
    var flags: Int32 { rm_get_context_flags(raw) }

    /// Whether this call runs inside MULTI/EXEC or a Lua script.
    var isInTransactionOrScript: Bool {
        flags & Int32(CRM_CTX_FLAGS_MULTI | CRM_CTX_FLAGS_LUA) != 0
    }

    /// Whether the client may be blocked: not in MULTI/Lua, not the AOF or replication
    /// client (`DENY_BLOCKING`), not replaying writes (`REPLICATED`, `LOADING`).
    var mayBlock: Bool {
        let refused = CRM_CTX_FLAGS_MULTI | CRM_CTX_FLAGS_LUA | CRM_CTX_FLAGS_DENY_BLOCKING
            | CRM_CTX_FLAGS_REPLICATED | CRM_CTX_FLAGS_LOADING
        return flags & Int32(refused) == 0
    }

    /// Whether Redis is asking only for the key positions of this call (getkeys-api: report
    /// them with ``keyAtPosition(_:)`` and do nothing else).
    var isKeysPositionRequest: Bool { rm_is_keys_position_request(raw) != 0 }

    /// Reports argument `index` as a key (getkeys-api).
    func keyAtPosition(_ index: Int) {
        rm_key_at_pos(raw, Int32(clamping: index))
    }

    /// Propagates the current command as received to replicas and the AOF.
    func replicateVerbatim() {
        _ = rm_replicate_verbatim(raw)
    }

    /// Opens `name` for the duration of `body` and closes it afterwards.
    ///
    /// - Parameter write: open READ|WRITE (a missing key then gives an empty handle)
    ///   instead of READ (a missing key gives `nil` inside the ``Key``).
    func withKey<Result>(_ name: OpaquePointer, write: Bool,
                         _ body: (Key) throws(CommandError) -> Result) throws(CommandError) -> Result {
        let mode = write ? Int32(CRM_READ | CRM_WRITE) : Int32(CRM_READ)
        let handle = rm_open_key(raw, name, mode)
        defer { if let handle { rm_close_key(handle) } }
        return try body(Key(handle))
    }
}
