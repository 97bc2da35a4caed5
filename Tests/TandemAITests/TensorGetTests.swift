import RESP
import Testing
import TandemTesting

/// `AI.TENSORGET`: every reply layout and its errors.
@Suite(.needsModule) struct TensorGetTests {
    /// An example tensor, `AI.TENSORSET t1 FLOAT 2 2 VALUES 1 2 3 4.5`.
    static let blob: [UInt8] = [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x90, 0x40]
    static let meta: [RESPValue] = [bulk("dtype"), bulk("FLOAT"), bulk("shape"), .array([.integer(2), .integer(2)])]
    static let values: RESPValue = .array([bulk("1"), bulk("2"), bulk("3"), bulk("4.5")])

    @Test func everyLayout() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.TENSORSET", "t1", "FLOAT", 2, 2, "VALUES", 1, 2, 3, "4.5") == .simpleString("OK"))
        let metaBlob = RESPValue.array(Self.meta + [bulk("blob"), .bulkString(Self.blob)])
        let layouts: [([String], RESPValue)] = [
            ([], metaBlob),
            (["META"], .array(Self.meta)),
            (["BLOB"], .bulkString(Self.blob)),
            (["VALUES"], Self.values),
            (["META", "BLOB"], metaBlob),
            (["BLOB", "META"], metaBlob),
            (["meta", "values"], .array(Self.meta + [bulk("values"), Self.values])),
            // Four options make five arguments: RedisAI's arity check (2…4) refuses them first.
            (["META", "BLOB", "VALUES"], arityError("AI.TENSORGET")),
            (["META", "META"], .array(Self.meta)),
            (["BLOB", "BLOB"], .bulkString(Self.blob)),
        ]
        for (options, expected) in layouts {
            #expect(try c.call(["AI.TENSORGET", "t1"] + options) == expected, "\(options)")
        }
    }

    @Test func errorTexts() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.TENSORSET", "t", "INT8", 1) == .simpleString("OK"))
        #expect(try c.call("RPUSH", "list", "a") == .integer(1))
        let cases: [([String], RESPValue)] = [
            (["AI.TENSORGET"], arityError("AI.TENSORGET")),
            (["AI.TENSORGET", "t", "META", "BLOB", "VALUES", "X"], arityError("AI.TENSORGET")),
            (["AI.TENSORGET", "missing"], .error("ERR tensor key is empty or in a different shard")),
            (["AI.TENSORGET", "list"], wrongType),
            (["AI.TENSORGET", "t", "JSON"], .error("ERR unsupported data format")),
            (["AI.TENSORGET", "t", "BLOB", "VALUES"], .error("ERR both BLOB and VALUES specified")),
        ]
        for (arguments, expected) in cases {
            #expect(try c.call(arguments) == expected, "\(arguments)")
        }
    }

    @Test func largeTensorsRoundTripIntact() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        let floats = (0..<400_000).map { Float($0) * 0.25 - 7 }
        let blob = littleEndianBytes(floats)
        #expect(try c.call("AI.TENSORSET", "big", "FLOAT", 400, 1000, "BLOB", blob) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "big", "META", "BLOB") == .array([
            bulk("dtype"), bulk("FLOAT"), bulk("shape"), .array([.integer(400), .integer(1000)]), bulk("blob"), .bulkString(blob),
        ]))
        // MEMORY USAGE counts the data through the mem_usage callback.
        let usage = try #require(try c.call("MEMORY", "USAGE", "big").integer)
        #expect(usage >= Int64(blob.count))
        #expect(try c.call("OBJECT", "ENCODING", "big") == bulk("raw"))
    }
}
