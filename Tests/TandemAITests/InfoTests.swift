import RESP
import Testing
import TandemTesting

/// `AI.INFO`, `AI._MODELSCAN` and the module's `INFO MODULES` sections.
@Suite(.needsModule) struct InfoTests {
    @Test func aiInfoLayoutAndErrors() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "gpu", "TAG", "v2", "BLOB", tinyModel()) == .simpleString("OK"))
        #expect(try c.call("AI.INFO", "m") == .array([
            bulk("key"), bulk("m"), bulk("type"), bulk("MODEL"), bulk("backend"), bulk("ONNX"), bulk("device"), bulk("gpu"),
            bulk("tag"), bulk("v2"), bulk("duration"), .integer(0), bulk("samples"), .integer(0),
            bulk("calls"), .integer(0), bulk("errors"), .integer(0),
        ]))
        #expect(try c.call("AI.INFO", "m", "resetstat") == .simpleString("OK"))
        #expect(try c.call("AI.INFO", "m", "OTHER").array?.count == 18)
        #expect(try c.call("AI.INFO") == arityError("AI.INFO"))
        #expect(try c.call("AI.INFO", "m", "RESETSTAT", "x") == arityError("AI.INFO"))
        #expect(try c.call("AI.INFO", "nope") == .error("ERR cannot find run info for key"))
        #expect(try c.call("AI.INFO", "nope", "RESETSTAT") == .error("ERR cannot find run info for key"))
        // Statistics are keyed by name; a tensor key has none.
        #expect(try c.call("AI.TENSORSET", "t", "FLOAT", 1) == .simpleString("OK"))
        #expect(try c.call("AI.INFO", "t") == .error("ERR cannot find run info for key"))
        // DEL of the model removes its entry (free callback).
        #expect(try c.call("DEL", "m") == .integer(1))
        #expect(try c.call("AI.INFO", "m") == .error("ERR cannot find run info for key"))
    }

    @Test func modelScanListsKeysAndTags() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "a", "ONNX", "CPU", "TAG", "ta", "BLOB", tinyModel()) == .simpleString("OK"))
        #expect(try c.call("AI.MODELSTORE", "b", "ONNX", "CPU", "BLOB", tinyModel()) == .simpleString("OK"))
        let pairs = try #require(try c.call("AI._MODELSCAN").array)
        #expect(Set(pairs.compactMap { $0.array?.compactMap(\.string).joined(separator: "=") }) == ["a=ta", "b="])
        #expect(try c.call("AI._MODELSCAN", "x") == arityError("AI._MODELSCAN"))
    }

    @Test func infoModulesSections() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "2", "INTER_OP_PARALLELISM", "3", "INTRA_OP_PARALLELISM", "4",
                                            "MODEL_EXECUTION_TIMEOUT", "2000", "BACKEND_MEMORY_LIMIT", "64"])
        let c = try server.connect()
        let expected: [(String, String)] = [
            ("ai_RedisAI_version", "1.2.7"), ("ai_low_level_API_version", "1"), ("ai_rdb_version", "4"),
            ("ai_threads_per_queue", "2"), ("ai_inter_op_parallelism", "3"), ("ai_intra_op_parallelism", "4"),
            ("ai_model_execution_timeout", "2000"), ("ai_backend_memory_limit", "64"),
        ]
        for (field, value) in expected {
            #expect(try c.infoField("modules", field) == value, "\(field)")
        }
        for field in ["ai_self_used_cpu_sys", "ai_main_thread_used_cpu_user", "ai_queue_CPU_bthread_n2_used_cpu_total"] {
            let value = try #require(try c.infoField("everything", field), "\(field)")
            #expect(Double(value) != nil && value.split(separator: ".").last?.count == 6, "\(field)=\(value)")
        }
        #expect(try c.call("MODULE", "LIST").array?.first?.array?.prefix(4) == [bulk("name"), bulk("ai"), bulk("ver"), .integer(10207)])
    }
}
