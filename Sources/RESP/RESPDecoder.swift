/// An incremental RESP2 reply decoder: feed it bytes as they arrive, take whole values out.
///
/// ```swift
/// var decoder = RESPDecoder()
/// decoder.append(Array("+OK\r\n:4".utf8))
/// try decoder.next()   // .simpleString("OK")
/// try decoder.next()   // nil: ":4" is not complete yet
/// ```
///
/// Parsing reads through an index into one buffer; consumed bytes are dropped in bulk
/// once they make up most of it, so large replies are not re-copied per value. A socket
/// can ``receive(atLeast:_:)`` straight into that buffer, which is grown at once to hold a
/// whole announced bulk string.
public struct RESPDecoder: Sendable {
    /// Storage: bytes `readIndex..<writeIndex` are received and not yet parsed; bytes from
    /// `writeIndex` on are room for the next receive.
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var writeIndex = 0
    /// Bytes still missing to complete the value the last ``next()`` stopped in.
    private var missingByteCount = 0
    /// Largest bulk string or array accepted, to refuse garbage lengths before allocating.
    public var maximumLength: Int

    /// Creates an empty decoder.
    public init(maximumLength: Int = 1 << 32) {
        self.maximumLength = maximumLength
    }

    /// Bytes received but not yet returned as values.
    public var bufferedByteCount: Int { writeIndex - readIndex }

    /// Adds received bytes.
    public mutating func append<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        compact()
        if writeIndex < buffer.count { buffer.removeSubrange(writeIndex...) }
        buffer.append(contentsOf: bytes)
        writeIndex = buffer.count
    }

    /// Lets `body` write received bytes straight into the decoder's buffer.
    ///
    /// `body` gets room for at least `minimumCount` bytes — more when the value being
    /// decoded announced more — and returns how many it wrote.
    /// - Returns: what `body` returned.
    public mutating func receive<E: Error>(atLeast minimumCount: Int,
                                           _ body: (UnsafeMutableRawBufferPointer) throws(E) -> Int) throws(E) -> Int {
        compact()
        let room = max(minimumCount, min(missingByteCount, maximumLength))
        if buffer.count - writeIndex < room {
            buffer.append(contentsOf: repeatElement(0, count: room - (buffer.count - writeIndex)))
        }
        let start = writeIndex
        let written = try buffer.withUnsafeMutableBytes { raw in
            let free = UnsafeMutableRawBufferPointer(rebasing: raw[start...])
            return Result { () throws(E) -> Int in
                let count = try body(free)
                precondition(count >= 0 && count <= free.count, "receive wrote outside the room it was given")
                return count
            }
        }.get()
        writeIndex += written
        return written
    }

    /// Moves unparsed bytes to the front once the parsed ones make up half the buffer.
    private mutating func compact() {
        guard readIndex > 0, readIndex >= writeIndex / 2 else { return }
        let remaining = writeIndex - readIndex
        if remaining > 0 {
            let from = readIndex
            buffer.withUnsafeMutableBytes { raw in
                raw.baseAddress!.copyMemory(from: raw.baseAddress! + from, byteCount: remaining)
            }
        }
        readIndex = 0
        writeIndex = remaining
    }

    /// The next complete value, or `nil` when more bytes are needed.
    ///
    /// - Throws: ``RESPProtocolError`` when the bytes are not RESP2.
    public mutating func next() throws(RESPProtocolError) -> RESPValue? {
        var index = readIndex
        var missing = 0
        guard let value = try parseValue(at: &index, missing: &missing) else {
            missingByteCount = missing
            return nil
        }
        missingByteCount = 0
        readIndex = index
        return value
    }

    /// Parses the value at `index`; `nil` when incomplete, with `missing` set to the bytes
    /// still needed when a bulk string's length is known.
    private func parseValue(at index: inout Int, missing: inout Int) throws(RESPProtocolError) -> RESPValue? {
        guard index < writeIndex else { return nil }
        let marker = buffer[index]
        var cursor = index + 1
        guard let line = try findLineEnd(from: cursor) else { return nil }
        let value: RESPValue
        switch marker {
        case UInt8(ascii: "+"):
            value = .simpleString(String(decoding: buffer[cursor..<line], as: UTF8.self))
            cursor = line + 2
        case UInt8(ascii: "-"):
            value = .error(String(decoding: buffer[cursor..<line], as: UTF8.self))
            cursor = line + 2
        case UInt8(ascii: ":"):
            value = .integer(try parseInteger(cursor..<line))
            cursor = line + 2
        case UInt8(ascii: "$"):
            let length = try parseInteger(cursor..<line)
            cursor = line + 2
            if length == -1 {
                value = .null
            } else {
                guard length >= 0, length <= maximumLength else { throw .invalidLength(length) }
                let end = cursor + Int(length)
                guard end + 2 <= writeIndex else {
                    missing = end + 2 - writeIndex
                    return nil
                }
                guard buffer[end] == 13, buffer[end + 1] == 10 else { throw .missingTerminator }
                value = .bulkString(Array(buffer[cursor..<end]))
                cursor = end + 2
            }
        case UInt8(ascii: "*"):
            let count = try parseInteger(cursor..<line)
            cursor = line + 2
            if count == -1 {
                value = .null
            } else {
                guard count >= 0, count <= maximumLength else { throw .invalidLength(count) }
                var elements: [RESPValue] = []
                elements.reserveCapacity(min(Int(count), 1024))
                for _ in 0..<count {
                    guard let element = try parseValue(at: &cursor, missing: &missing) else { return nil }
                    elements.append(element)
                }
                value = .array(elements)
            }
        default:
            throw .unexpectedByte(marker)
        }
        index = cursor
        return value
    }

    /// The index of the `\r` of the next `\r\n` at or after `start`, or `nil` if not received yet.
    private func findLineEnd(from start: Int) throws(RESPProtocolError) -> Int? {
        var i = start
        while i + 1 < writeIndex {
            if buffer[i] == 13 {
                guard buffer[i + 1] == 10 else { throw .missingTerminator }
                return i
            }
            i += 1
        }
        return nil
    }

    private func parseInteger(_ range: Range<Int>) throws(RESPProtocolError) -> Int64 {
        var i = range.lowerBound
        var negative = false
        if i < range.upperBound, buffer[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        guard i < range.upperBound, range.count <= 20 else { throw .invalidInteger }
        // Accumulate the magnitude unsigned, so that Int64.min (`:-9223372036854775808`) fits.
        var magnitude: UInt64 = 0
        while i < range.upperBound {
            let digit = buffer[i] &- UInt8(ascii: "0")
            guard digit < 10 else { throw .invalidInteger }
            let (shifted, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = shifted.addingReportingOverflow(UInt64(digit))
            guard !o1, !o2 else { throw .invalidInteger }
            magnitude = sum
            i += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw .invalidInteger }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw .invalidInteger }
        return Int64(magnitude)
    }
}

/// Bytes that are not a RESP2 reply.
public enum RESPProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A value started with a byte that is not `+ - : $ *`.
    case unexpectedByte(UInt8)
    /// A length or integer field is not a decimal integer.
    case invalidInteger
    /// A bulk string or array length is negative (other than -1) or beyond the limit.
    case invalidLength(Int64)
    /// A line or bulk string is not followed by `\r\n`.
    case missingTerminator

    public var description: String {
        switch self {
        case .unexpectedByte(let b): "RESP protocol violation: unexpected byte 0x\(String(b, radix: 16))"
        case .invalidInteger: "RESP protocol violation: malformed integer"
        case .invalidLength(let n): "RESP protocol violation: invalid length \(n)"
        case .missingTerminator: "RESP protocol violation: CR not followed by LF"
        }
    }
}
