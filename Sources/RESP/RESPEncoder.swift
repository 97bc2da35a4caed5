/// Writes commands in RESP2's request form: an array of bulk strings.
public enum RESPEncoder {
    /// Appends one command (`*N\r\n` then `$len\r\narg\r\n` per argument) to `buffer`.
    ///
    /// - Complexity: O(total argument bytes); `buffer` grows at most once.
    public static func appendCommand(_ arguments: [[UInt8]], to buffer: inout [UInt8]) {
        var total = 16
        for argument in arguments { total += argument.count + 16 }
        buffer.reserveCapacity(buffer.count + total)
        appendHeader(UInt8(ascii: "*"), arguments.count, to: &buffer)
        for argument in arguments {
            appendHeader(UInt8(ascii: "$"), argument.count, to: &buffer)
            buffer.append(contentsOf: argument)
            buffer.append(13)
            buffer.append(10)
        }
    }

    /// One command as bytes.
    public static func command(_ arguments: [[UInt8]]) -> [UInt8] {
        var buffer: [UInt8] = []
        appendCommand(arguments, to: &buffer)
        return buffer
    }

    private static func appendHeader(_ marker: UInt8, _ count: Int, to buffer: inout [UInt8]) {
        buffer.append(marker)
        buffer.append(contentsOf: String(count).utf8)
        buffer.append(13)
        buffer.append(10)
    }
}
