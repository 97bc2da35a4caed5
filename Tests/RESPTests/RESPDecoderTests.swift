import Testing
import RESP

@Suite struct RESPDecoderTests {
    /// Replies of every kind, back to back, with binary bulk content and nesting.
    static let messages: [(bytes: String, value: RESPValue)] = [
        ("+OK\r\n", .simpleString("OK")),
        ("-ERR data length does not match tensor shape and type\r\n",
         .error("ERR data length does not match tensor shape and type")),
        (":-42\r\n", .integer(-42)),
        ("$5\r\na\0\r\nb\r\n", .bulkString([97, 0, 13, 10, 98])),
        ("$0\r\n\r\n", .bulkString([])),
        ("$-1\r\n", .null),
        ("*-1\r\n", .null),
        ("*0\r\n", .array([])),
        ("*3\r\n$5\r\ndtype\r\n$5\r\nFLOAT\r\n*2\r\n:1\r\n:4\r\n",
         .array([.bulkString(Array("dtype".utf8)), .bulkString(Array("FLOAT".utf8)), .array([.integer(1), .integer(4)])])),
    ]

    static var stream: [UInt8] { messages.flatMap { Array($0.bytes.utf8) } }
    static var values: [RESPValue] { messages.map(\.value) }

    private func drain(_ decoder: inout RESPDecoder) throws -> [RESPValue] {
        var out: [RESPValue] = []
        while let value = try decoder.next() { out.append(value) }
        return out
    }

    @Test func decodesEverythingFedAtOnce() throws {
        var decoder = RESPDecoder()
        decoder.append(Self.stream)
        #expect(try drain(&decoder) == Self.values)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func decodesByteByByte() throws {
        var decoder = RESPDecoder()
        var out: [RESPValue] = []
        for byte in Self.stream {
            decoder.append([byte])
            out += try drain(&decoder)
        }
        #expect(out == Self.values)
    }

    @Test func decodesMessageByMessage() throws {
        var decoder = RESPDecoder()
        for (bytes, value) in Self.messages {
            #expect(try decoder.next() == nil)
            decoder.append(Array(bytes.utf8))
            #expect(try decoder.next() == value)
        }
    }

    @Test func decodesWhatIsReceivedInPlace() throws {
        var decoder = RESPDecoder()
        var out: [RESPValue] = []
        var offset = 0
        let stream = Self.stream
        while offset < stream.count {
            // Receive 3 bytes at a time straight into the decoder, draining as we go.
            let written = decoder.receive(atLeast: 3) { room in
                let count = min(3, stream.count - offset, room.count)
                room.copyBytes(from: stream[offset..<(offset + count)])
                return count
            }
            offset += written
            out += try drain(&decoder)
        }
        #expect(out == Self.values)
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func anAnnouncedBulkStringGetsRoomForAllOfIt() throws {
        var decoder = RESPDecoder()
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0) }
        let reply = Array("*2\r\n$5\r\nhello\r\n$100000\r\n".utf8) + payload + [13, 10]
        decoder.append(reply[0..<30])
        #expect(try decoder.next() == nil)
        var offered = 0
        _ = decoder.receive(atLeast: 16) { room in
            offered = room.count
            room.copyBytes(from: reply[30...])
            return reply.count - 30
        }
        #expect(offered >= reply.count - 30, "one receive can take the whole rest of the bulk string")
        #expect(try decoder.next() == .array([.bulkString(Array("hello".utf8)), .bulkString(payload)]))
    }

    @Test func incompleteInputWaitsForMore() throws {
        var decoder = RESPDecoder()
        decoder.append(Array("$10\r\nabc".utf8))
        #expect(try decoder.next() == nil)
        decoder.append(Array("defghij\r\n".utf8))
        #expect(try decoder.next() == .bulkString(Array("abcdefghij".utf8)))
    }

    @Test func garbageIsAProtocolError() {
        for garbage in ["?x\r\n", ":12a\r\n", "$-5\r\n", "$3\r\nabcXY", "*99999999999999999999999\r\n", "+a\rb\r\n"] {
            var decoder = RESPDecoder()
            decoder.append(Array(garbage.utf8))
            #expect(throws: RESPProtocolError.self, "\(garbage.debugDescription)") { try decoder.next() }
        }
    }

    @Test func integersCoverTheWholeInt64Range() throws {
        var decoder = RESPDecoder()
        decoder.append(Array(":-9223372036854775808\r\n:9223372036854775807\r\n".utf8))
        #expect(try decoder.next() == .integer(Int64.min))
        #expect(try decoder.next() == .integer(Int64.max))
        for outside in [":9223372036854775808\r\n", ":-9223372036854775809\r\n"] {
            var decoder = RESPDecoder()
            decoder.append(Array(outside.utf8))
            #expect(throws: RESPProtocolError.self) { try decoder.next() }
        }
    }

    @Test func lengthsBeyondTheLimitAreRefusedBeforeAllocating() {
        var decoder = RESPDecoder(maximumLength: 100)
        decoder.append(Array("$101\r\n".utf8))
        #expect(throws: RESPProtocolError.invalidLength(101)) { try decoder.next() }
    }

    @Test func encoderWritesArraysOfBulkStrings() {
        let bytes = RESPEncoder.command([Array("SET".utf8), Array("k".utf8), [0, 255]])
        #expect(bytes == Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n".utf8) + [0, 255, 13, 10])
    }
}
