/// Redis Cluster's rule that maps a key to one of its 16,384 hash slots:
/// `CRC16(hashkey) mod 16384`, where CRC16 is the XMODEM variant (polynomial 0x1021, initial
/// value 0, no reflection) and `hashkey` is the key's hash tag when it has one.
///
/// The hash tag is the text between the first `{` and the first `}` after it, when that
/// text is not empty (Redis's exact rule, which the server enforces); otherwise the whole key
/// is hashed. So `{ds}.meta` and `{ds}.temperature` share a slot.
///
/// ```swift
/// HashSlot.of("foo")              // 12182
/// HashSlot.of("{user1000}.x")     // 3443, the slot of "user1000"
/// HashSlot.crc16(Array("123456789".utf8))   // 0x31C3
/// ```
public enum HashSlot {
    /// The number of slots.
    public static let count = 16_384

    /// The slot of a key given as bytes.
    public static func of(_ key: [UInt8]) -> Int {
        Int(crc16(hashKey(key)) & 0x3FFF)
    }

    /// The slot of a key given as text (its UTF-8 bytes).
    public static func of(_ key: String) -> Int {
        of(Array(key.utf8))
    }

    /// The part of `key` that is hashed: its non-empty hash tag, or all of it.
    public static func hashKey(_ key: [UInt8]) -> ArraySlice<UInt8> {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")),
              let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")),
              close > open + 1 else { return key[...] }
        return key[(open + 1)..<close]
    }

    /// CRC-16/XMODEM of `bytes`.
    public static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    /// The CRC of every byte value, shifted through the polynomial.
    private static let table: [UInt16] = (0..<256).map { value in
        var crc = UInt16(value) << 8
        for _ in 0..<8 {
            crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        return crc
    }
}
