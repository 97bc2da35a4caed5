import RESP
import Testing
import TandemRedis
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

    /// Without INTRA_OP_PARALLELISM, OpenBLAS runs each product on the thread that asks for it.
    @Test func blasRunsOnTheCallingThreadByDefault() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.infoField("modules", "ai_blas_threads") == "1")
    }

    /// RedisAI 1.2.7's sections in its order and with its fields, then TandemAI's own.
    @Test func infoModulesSections() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "2", "INTER_OP_PARALLELISM", "3", "INTRA_OP_PARALLELISM", "4",
                                            "MODEL_EXECUTION_TIMEOUT", "2000", "BACKEND_MEMORY_LIMIT", "64"])
        let c = try server.connect()
        let sections = try Self.moduleSections(c)
        #expect(sections.map(\.name) == ["ai_versions", "ai_git", "ai_load_time_configs", "ai_backends_info", "ai_cpu", "ai_tandem"])
        let fields = Dictionary(uniqueKeysWithValues: sections.map { ($0.name, $0.fields.map(\.0)) })
        #expect(fields["ai_versions"] == ["ai_RedisAI_version", "ai_low_level_API_version", "ai_rdb_version"])
        #expect(fields["ai_git"] == ["ai_git_sha"])
        #expect(fields["ai_load_time_configs"] == ["ai_threads_per_queue", "ai_inter_op_parallelism", "ai_intra_op_parallelism",
                                                   "ai_model_execution_timeout", "ai_backend_memory_limit"])
        // ONNX is built in, so its fields are always there; TORCH only once its library loads.
        #expect(fields["ai_backends_info"] == ["ai_onnxruntime_version", "ai_onnxruntime_memory", "ai_onnxruntime_memory_access_num",
                                               "ai_onnxruntime_maximum_run_sessions_number"])
        #expect(fields["ai_cpu"] == ["ai_self_used_cpu_sys", "ai_self_used_cpu_user", "ai_children_used_cpu_sys",
                                     "ai_children_used_cpu_user", "ai_main_thread_used_cpu_sys", "ai_main_thread_used_cpu_user",
                                     "ai_queue_CPU_bthread_n1_used_cpu_total", "ai_queue_CPU_bthread_n2_used_cpu_total"])
        #expect(fields["ai_tandem"] == ["ai_implementation", "ai_batched_runs", "ai_batched_requests", "ai_blas_threads"])
        let expected: [(String, String)] = [
            ("ai_RedisAI_version", "1.2.7"), ("ai_low_level_API_version", "1"), ("ai_rdb_version", "4"), ("ai_git_sha", "unknown"),
            ("ai_threads_per_queue", "2"), ("ai_inter_op_parallelism", "3"), ("ai_intra_op_parallelism", "4"),
            ("ai_model_execution_timeout", "2000"), ("ai_backend_memory_limit", "64"),
            ("ai_onnxruntime_memory", "0"), ("ai_onnxruntime_memory_access_num", "0"),
            ("ai_onnxruntime_maximum_run_sessions_number", "2"),
            ("ai_implementation", "swift"), ("ai_batched_runs", "0"), ("ai_batched_requests", "0"),
            // OpenBLAS follows INTRA_OP_PARALLELISM (one thread without it, see the next test).
            ("ai_blas_threads", "4"),
        ]
        for (field, value) in expected {
            #expect(try c.infoField("modules", field) == value, "\(field)")
        }
        #expect(try c.infoField("ai", "ai_RedisAI_version") == "1.2.7")
        for field in ["ai_self_used_cpu_sys", "ai_main_thread_used_cpu_user", "ai_queue_CPU_bthread_n2_used_cpu_total"] {
            let value = try #require(try c.infoField("everything", field), "\(field)")
            #expect(Double(value) != nil && value.split(separator: ".").last?.count == 6, "\(field)=\(value)")
        }
        // A queue for another device adds its worker threads to the cpu section.
        #expect(try c.call("AI.MODELSTORE", "g", "ONNX", "gpu:1", "BLOB", tinyModel()) == .simpleString("OK"))
        #expect(try c.infoField("modules", "ai_queue_GPU:1_bthread_n2_used_cpu_total") != nil)
        #expect(try c.infoField("modules", "ai_onnxruntime_maximum_run_sessions_number") == "4")
        #expect(try c.call("MODULE", "LIST").array?.first?.array?.prefix(4) == [bulk("name"), bulk("ai"), bulk("ver"), .integer(10207)])
    }

    /// The module's `INFO MODULES` sections in order, each with its fields in order.
    static func moduleSections(_ c: RedisConnection) throws -> [(name: String, fields: [(String, String)])] {
        let text = try #require(try c.call("INFO", "modules").string)
        var sections: [(name: String, fields: [(String, String)])] = []
        for line in text.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("# ") {
                sections.append((String(line.dropFirst(2)), []))
            } else if let colon = line.firstIndex(of: ":"), !sections.isEmpty {
                sections[sections.count - 1].fields.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        return sections.filter { $0.name.hasPrefix("ai_") }
    }
}
