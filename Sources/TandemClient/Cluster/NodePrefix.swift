/// SmartRedis's "node prefix": a 2- or 3-byte string `P` whose CRC16 is a given slot, so that
/// the hash tag `{P}` puts a key on the shard that owns that slot. Models and scripts are
/// stored once per shard under `{P}.name`, and a model run works on temporary copies of its
/// tensors under `{P}.tensor.TMP`.
///
/// `P` comes from running CRC16's polynomial division backwards from the slot, and avoids
/// the bytes `{` and `}` (which would break the tag). The same algorithm as SmartRedis's
/// gives the same bytes, so models stored by either client are found by the other:
/// slot 0 gives `00 00`, 5461 gives `8M`, 10923 gives `ED EB`.
enum NodePrefix {
    /// The prefix for `slot` (0…16383), most significant byte first, or `nil` if none of
    /// up to 3 bytes avoids the braces (never the case for a valid slot).
    static func forSlot(_ slot: Int) -> [UInt8]? {
        let generator: UInt64 = 0x11021
        var remainder = UInt64(slot)
        for bit in 0..<16 where (remainder >> UInt64(bit)) & 1 == 1 {
            remainder ^= generator << UInt64(bit)
        }
        var bitsDone = 16
        var length = 2
        while !isValid(remainder >> 16, length: length) {
            if bitsDone > 24 { return nil }
            if (remainder >> UInt64(bitsDone)) & 1 == 1 { remainder ^= generator << UInt64(bitsDone) }
            bitsDone += 1
            length = (bitsDone + 7) / 8
        }
        let value = remainder >> 16
        return (0..<length).reversed().map { UInt8(truncatingIfNeeded: value >> UInt64(8 * $0)) }
    }

    /// Whether the `length` low bytes of `value` avoid `{` and `}`.
    private static func isValid(_ value: UInt64, length: Int) -> Bool {
        for index in 0..<length {
            let byte = UInt8(truncatingIfNeeded: value >> UInt64(8 * index))
            if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}") { return false }
        }
        return true
    }

    /// `{P}.key`: `key` placed on the shard whose prefix is `prefix`.
    static func key(_ key: [UInt8], prefix: [UInt8]) -> [UInt8] {
        [UInt8(ascii: "{")] + prefix + [UInt8(ascii: "}"), UInt8(ascii: ".")] + key
    }

    /// `value` without a leading `{…}.` (how SmartRedis shows `AI.INFO`'s `key` field).
    static func strip(_ value: [UInt8]) -> [UInt8] {
        guard value.first == UInt8(ascii: "{"), let close = value.firstIndex(of: UInt8(ascii: "}")),
              close + 2 < value.count, value[close + 1] == UInt8(ascii: ".") else { return value }
        return Array(value[(close + 2)...])
    }
}
