import RESP
import Testing
import TandemTesting

/// `AI.MODELGET` layouts and chunking by `MODEL_CHUNK_SIZE`, and `AI.MODELDEL`.
@Suite(.needsModule) struct ModelGetTests {
    @Test func layouts() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "TAG", "t", "BLOB", tinyModel()) == .simpleString("OK"))
        let meta = ModelStoreTests.meta(tag: bulk("t"))
        #expect(try c.call("AI.MODELGET", "m") == .array(meta + [bulk("blob"), .bulkString(tinyModel())]))
        #expect(try c.call("AI.MODELGET", "m", "META") == .array(meta))
        #expect(try c.call("AI.MODELGET", "m", "BLOB") == .bulkString(tinyModel()))
        #expect(try c.call("AI.MODELGET", "m", "blob", "meta") == .array(meta + [bulk("blob"), .bulkString(tinyModel())]))
        // Other options are ignored, as in RedisAI.
        #expect(try c.call("AI.MODELGET", "m", "SOURCE") == .array(meta + [bulk("blob"), .bulkString(tinyModel())]))
    }

    @Test func blobsAreChunkedByModelChunkSize() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        // Valid models of exactly 2500 and 2000 bytes (the doc string pads them).
        let blob = sizedModel(2500), even = sizedModel(2000)
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", blob) == .simpleString("OK"))
        #expect(try c.call("AI.MODELSTORE", "even", "ONNX", "CPU", "BLOB", even) == .simpleString("OK"))
        #expect(try c.call("AI.CONFIG", "MODEL_CHUNK_SIZE", 1000) == .simpleString("OK"))
        #expect(try c.call("AI.MODELGET", "m", "BLOB") == .array([
            .bulkString(Array(blob[0..<1000])), .bulkString(Array(blob[1000..<2000])), .bulkString(Array(blob[2000...])),
        ]))
        // L / C + 1 chunks: an exact multiple ends with an empty chunk (RedisAI's layout).
        #expect(try c.call("AI.MODELGET", "even", "BLOB") == .array([
            .bulkString(Array(even[0..<1000])), .bulkString(Array(even[1000..<2000])), .bulkString([]),
        ]))
        let full = try #require(try c.call("AI.MODELGET", "m").array)
        #expect(full.count == 18)
        #expect(full[17].array?.count == 3)
        // Persisted and reloaded with the same chunking.
        #expect(try c.call("DEBUG", "RELOAD") == .simpleString("OK"))
        #expect(try c.call("AI.CONFIG", "MODEL_CHUNK_SIZE", 100000) == .simpleString("OK"))
        #expect(try c.call("AI.MODELGET", "m", "BLOB") == .bulkString(blob))
    }

    @Test func modelDel() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel()) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "t", "FLOAT", 1) == .simpleString("OK"))
        #expect(try c.call("AI.MODELDEL", "m") == .simpleString("OK"))
        #expect(try c.call("EXISTS", "m") == .integer(0))
        #expect(try c.call("AI.INFO", "m") == .error("ERR cannot find run info for key"))
        let cases: [([String], RESPValue)] = [
            (["AI.MODELDEL"], arityError("AI.MODELDEL")),
            (["AI.MODELDEL", "a", "b"], arityError("AI.MODELDEL")),
            (["AI.MODELDEL", "m"], .error("ERR model key is empty")),
            (["AI.MODELDEL", "t"], wrongType),
            (["AI.MODELGET"], arityError("AI.MODELGET")),
            (["AI.MODELGET", "m", "META", "BLOB", "X"], arityError("AI.MODELGET")),
            (["AI.MODELGET", "m"], .error("ERR model key is empty")),
            (["AI.MODELGET", "t"], wrongType),
        ]
        for (arguments, expected) in cases {
            #expect(try c.call(arguments) == expected, "\(arguments)")
        }
        #expect(try c.call("AI.TENSORGET", "t", "VALUES") == .array([bulk("0")]))
    }
}
