import RESP
import Testing
import TandemTesting

/// `AI.MODELSTORE` and the deprecated `AI.MODELSET`: options, chunked blobs, the blocking
/// and the inline (MULTI) paths, and every error text RedisAI sends.
@Suite(.needsModule) struct ModelStoreTests {
    static func meta(backend: String = "ONNX", device: String = "CPU", tag: RESPValue = bulk(""),
                     batch: Int64 = 0, minBatch: Int64 = 0, minTimeout: Int64 = 0) -> [RESPValue] {
        [bulk("backend"), bulk(backend), bulk("device"), bulk(device), bulk("tag"), tag,
         bulk("batchsize"), .integer(batch), bulk("minbatchsize"), .integer(minBatch),
         bulk("inputs"), .array([bulk("x")]), bulk("outputs"), .array([bulk("y")]), bulk("minbatchtimeout"), .integer(minTimeout)]
    }

    @Test func storesEveryOptionAndConcatenatesChunks() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        let tag: [UInt8] = [0, 255, 10, 13, 65]
        let model = tinyModel("chunks")
        #expect(try c.call("AI.MODELSTORE", "m", "onnx", "gpu:12", "TAG", tag, "BATCHSIZE", 16, "MINBATCHSIZE", "4.0",
                           "MINBATCHTIMEOUT", 100, "BLOB", Array(model[..<10]), Array(model[10..<11]), "", Array(model[11...])) == .simpleString("OK"))
        #expect(try c.call("AI.MODELGET", "m", "META") == .array(Self.meta(device: "gpu:12", tag: .bulkString(tag),
                                                                            batch: 16, minBatch: 4, minTimeout: 100)))
        #expect(try c.call("AI.MODELGET", "m", "BLOB") == .bulkString(model))
        #expect(try c.call("TYPE", "m") == .simpleString("AI__MODEL"))
        // Storing again replaces the model and its statistics.
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel("new")) == .simpleString("OK"))
        #expect(try c.call("AI.MODELGET", "m") == .array(Self.meta() + [bulk("blob"), .bulkString(tinyModel("new"))]))
        #expect(try c.call("AI.INFO", "m").array?[9] == bulk(""))
        #expect(try c.infoField("clients", "blocked_clients") == "0")
    }

    @Test func storesInsideMultiAndLuaWithoutBlocking() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("MULTI") == .simpleString("OK"))
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel("in-multi")) == .simpleString("QUEUED"))
        #expect(try c.call("AI.MODELGET", "m", "BLOB") == .simpleString("QUEUED"))
        #expect(try c.call("EXEC") == .array([.simpleString("OK"), .bulkString(tinyModel("in-multi"))]))
        #expect(try c.call("EVAL", "return redis.call('AI.MODELSTORE', KEYS[1], 'ONNX', 'CPU', 'BLOB', ARGV[1])", 1, "lua", tinyModel("lua"))
                == .simpleString("OK"))
        #expect(try c.call("AI.MODELGET", "lua", "BLOB") == .bulkString(tinyModel("lua")))
        // A blob that is not an ONNX model is refused at store time with the reason.
        let refused = try c.call("AI.MODELSTORE", "bad", "ONNX", "CPU", "BLOB", "not a model")
        if case .error(let text) = refused { #expect(text.hasPrefix("ERR malformed ONNX model"), "\(text)") } else { Issue.record("stored: \(refused)") }
        #expect(try c.call("EXISTS", "bad") == .integer(0))
    }

    @Test func otherBackendsAreRefusedNamingWhatIsSupported() throws {
        let server = try Peers.moduleServer(["BACKENDSPATH", "/nonexistent"])
        let c = try server.connect()
        for backend in ["TF", "TFLITE"] {
            var command: [any CommandArgument] = ["AI.MODELSTORE", "m", backend, "CPU"]
            if backend == "TF" { command += ["INPUTS", 1, "a", "OUTPUTS", 1, "b"] }
            command += ["BLOB", "x"]
            #expect(try c.call(command) == .error("ERR Could not load backend \(backend): TandemAI supports the ONNX and TORCH backends only"))
        }
        // TORCH loads its library from BACKENDSPATH on first use: here there is none.
        for backend in ["TORCH", "torch"] {
            let reply = try c.call("AI.MODELSTORE", "m", backend, "CPU", "BLOB", "x")
            guard case .error(let text) = reply else { Issue.record("stored: \(reply)"); continue }
            #expect(text.hasPrefix("ERR Could not load backend TORCH: /nonexistent/redisai_torch/redisai_torch.so"), "\(text)")
        }
        #expect(try c.call("EXISTS", "m") == .integer(0))
    }

    @Test func modelStoreErrorTexts() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("SET", "str", "v") == .simpleString("OK"))
        let cases: [([any CommandArgument], String)] = [
            (["AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB"], "ERR wrong number of arguments for 'AI.MODELSTORE' command"),
            (["AI.MODELSTORE", "m", "PYTORCH", "CPU", "BLOB", "x"], "ERR unsupported backend"),
            (["AI.MODELSTORE", "m", "ONNX", "TPU", "BLOB", "x"], "ERR Invalid DEVICE"),
            (["AI.MODELSTORE", "m", "ONNX", "CPU:1a", "BLOB", "x"], "ERR Invalid DEVICE"),
            (["AI.MODELSTORE", "m", "ONNX", "GPU:123456", "BLOB", "x"], "ERR Invalid DEVICE"),
            (["AI.MODELSTORE", "m", "ONNX", "CPU0", "BLOB", "x"], "ERR Invalid DEVICE"),
            (["AI.MODELSTORE", "m", "ONNX", "CPU", "BATCHSIZE", -1, "BLOB", "x"], "ERR Invalid argument for BATCHSIZE"),
            (["AI.MODELSTORE", "m", "ONNX", "CPU", "BATCHSIZE", "x", "BLOB", "x"], "ERR Invalid argument for BATCHSIZE"),
            (["AI.MODELSTORE", "m", "ONNX", "CPU", "BATCHSIZE", "2.5", "BLOB", "x"], "ERR Invalid argument for BATCHSIZE"),
            (["AI.MODELSTORE", "m", "ONNX", "CPU", "MINBATCHSIZE", "x", "BLOB", "x"], "ERR Invalid argument for MINBATCHSIZE"),
            (["AI.MODELSTORE", "m", "ONNX", "CPU", "MINBATCHSIZE", 2, "BLOB", "x"], "ERR MINBATCHSIZE specified without BATCHSIZE"),
            (["AI.MODELSTORE", "m", "ONNX", "CPU", "BATCHSIZE", 4, "MINBATCHTIMEOUT", "x", "BLOB", "x"], "ERR Invalid argument for MINBATCHTIMEOUT"),
            (["AI.MODELSTORE", "m", "ONNX", "CPU", "BATCHSIZE", 4, "MINBATCHTIMEOUT", 5, "BLOB", "x"], "ERR MINBATCHTIMEOUT specified without MINBATCHSIZE"),
            (["AI.MODELSTORE", "m", "ONNX", "CPU", "TAG", "t", "BATCHSIZE", 4], "ERR Insufficient arguments, missing model BLOB"),
            (["AI.MODELSTORE", "m", "ONNX", "CPU", "INPUTS", 1, "a", "BLOB", "x"], "ERR INPUTS argument should not be specified for this backend"),
            (["AI.MODELSTORE", "m", "ONNX", "CPU", "OUTPUTS", 1, "a", "BLOB", "x"], "ERR Invalid argument, expected BLOB"),
            (["AI.MODELSTORE", "m", "ONNX", "CPU", "TAG", "t", "BLOB"], "ERR Insufficient arguments, missing model BLOB"),
            (["AI.MODELSTORE", "m", "ONNX", "CPU", "TAG", "t", "NOTBLOB", "x"], "ERR Invalid argument, expected BLOB"),
            (["AI.MODELSTORE", "m", "TF", "CPU", "BLOB", "x"], "ERR INPUTS not specified for TF"),
            (["AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", 0, "BLOB", "x"], "ERR Invalid argument for input_count"),
            (["AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", 5, "a", "BLOB"], "ERR number of model inputs does not match the number of given arguments"),
            (["AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", 1, "a", "BLOB", "x"], "ERR OUTPUTS not specified for TF"),
            (["AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", 1, "a", "OUTPUTS", "z", "BLOB"], "ERR Invalid argument for output_count"),
            (["AI.MODELSTORE", "m", "TF", "CPU", "INPUTS", 1, "a", "OUTPUTS", 3, "BLOB"], "ERR number of model outputs does not match the number of given arguments"),
            (["AI.MODELSTORE", "str", "ONNX", "CPU", "BLOB", "x"], "WRONGTYPE Operation against a key holding the wrong kind of value"),
        ]
        for (arguments, message) in cases {
            #expect(try c.call(arguments) == .error(message), "\(arguments.map { String(decoding: $0.commandBytes, as: UTF8.self) })")
        }
        #expect(try c.call("EXISTS", "m") == .integer(0))
    }

    @Test func deprecatedModelSet() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        // Non-TF backends ignore an INPUTS/OUTPUTS section without counts.
        #expect(try c.call("AI.MODELSET", "m", "ONNX", "CPU", "TAG", "v1", "BATCHSIZE", 2, "INPUTS", "a", "b", "OUTPUTS", "c",
                           "BLOB", Array(tinyModel()[..<5]), Array(tinyModel()[5...])) == .simpleString("OK"))
        #expect(try c.call("AI.MODELGET", "m", "META", "BLOB") == .array(Self.meta(tag: bulk("v1"), batch: 2) + [bulk("blob"), .bulkString(tinyModel())]))
        let cases: [([any CommandArgument], String)] = [
            (["AI.MODELSET", "m", "ONNX"], "ERR wrong number of arguments for 'AI.MODELSET' command"),
            (["AI.MODELSET", "m", "XX", "CPU", "BLOB", "x"], "ERR unsupported backend"),
            (["AI.MODELSET", "m", "ONNX", "CPU:1234567", "BLOB", "x"], "ERR Invalid DEVICE"),
            (["AI.MODELSET", "m", "ONNX", "BLOB", "x"], "ERR Invalid DEVICE"),
            (["AI.MODELSET", "m", "TFLITE", "CPU", "BATCHSIZE", 2, "BLOB", "x"], "ERR Auto-batching not supported by the TFLITE backend"),
            (["AI.MODELSET", "m", "ONNX", "CPU", "MINBATCHSIZE", "x", "BLOB", "x"], "ERR MINBATCHSIZE specified without BATCHSIZE"),
            (["AI.MODELSET", "m", "ONNX", "CPU", "MINBATCHTIMEOUT", 3, "BLOB", "x"], "ERR MINBATCHTIMEOUT specified without BATCHSIZE"),
            (["AI.MODELSET", "m", "TF", "CPU", "BLOB", "x"], "ERR Insufficient arguments, INPUTS and OUTPUTS not specified"),
            (["AI.MODELSET", "m", "TF", "CPU", "TAG", "t", "x", "BLOB", "x"], "ERR INPUTS not specified"),
            (["AI.MODELSET", "m", "TF", "CPU", "INPUTS", "a", "BLOB", "x"], "ERR OUTPUTS not specified"),
            (["AI.MODELSET", "m", "ONNX", "CPU", "INPUTS", "a"], "ERR Insufficient arguments, missing model BLOB"),
            (["AI.MODELSET", "m", "TF", "CPU", "INPUTS", "a", "OUTPUTS", "b", "BLOB", "x"],
             "ERR Could not load backend TF: TandemAI supports the ONNX and TORCH backends only"),
        ]
        for (arguments, message) in cases {
            #expect(try c.call(arguments) == .error(message), "\(arguments.map { String(decoding: $0.commandBytes, as: UTF8.self) })")
        }
    }
}
