import RESP
import Testing
import TandemTesting

/// `AI.CONFIG` and the load-time arguments.
@Suite(.needsModule) struct ConfigTests {
    @Test func aiConfig() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.CONFIG", "GET", "MODEL_CHUNK_SIZE") == .integer(535_822_336))
        let modulePath = try Peers.module()
        let folder = modulePath[..<modulePath.lastIndex(of: "/")!]
        #expect(try c.call("AI.CONFIG", "GET", "BACKENDSPATH") == bulk(folder + "/backends"))
        #expect(try c.call("AI.CONFIG", "get", "threads_per_queue") == .integer(1))
        #expect(try c.call("AI.CONFIG", "GET", "MODEL_EXECUTION_TIMEOUT") == .integer(5000))
        #expect(try c.call("AI.CONFIG", "GET", "NOPE") == .null)
        #expect(try c.call("AI.CONFIG", "MODEL_CHUNK_SIZE", 4096) == .simpleString("OK"))
        #expect(try c.call("AI.CONFIG", "GET", "MODEL_CHUNK_SIZE") == .integer(4096))
        #expect(try c.call("AI.CONFIG", "BACKENDSPATH", "/opt/backends") == .simpleString("OK"))
        #expect(try c.call("AI.CONFIG", "GET", "BACKENDSPATH") == bulk("/opt/backends"))
        let cases: [([any CommandArgument], RESPValue)] = [
            (["AI.CONFIG"], arityError("AI.CONFIG")),
            (["AI.CONFIG", "GET"], arityError("AI.CONFIG")),
            (["AI.CONFIG", "MODEL_CHUNK_SIZE"], .error("ERR MODEL_CHUNK_SIZE: missing chunk size")),
            (["AI.CONFIG", "MODEL_CHUNK_SIZE", 0], .error("ERR MODEL_CHUNK_SIZE: invalid chunk size")),
            (["AI.CONFIG", "MODEL_CHUNK_SIZE", "big"], .error("ERR MODEL_CHUNK_SIZE: invalid chunk size")),
            (["AI.CONFIG", "BACKENDSPATH"], .error("ERR BACKENDSPATH: missing path argument")),
            (["AI.CONFIG", "LOADBACKEND", "ONNX"], arityError("AI.CONFIG")),
            (["AI.CONFIG", "LOADBACKEND", "CAFFE", "x.so"], .error("ERR unsupported backend")),
            (["AI.CONFIG", "LOADBACKEND", "TORCH", "x.so"],
             .error("ERR error loading backend: /opt/backends/x.so: cannot open shared object file: No such file or directory")),
            (["AI.CONFIG", "LOADBACKEND", "ONNX", "x.so"], .simpleString("OK")),
            (["AI.CONFIG", "SET", "X"], .error("ERR unsupported subcommand")),
        ]
        for (arguments, expected) in cases {
            #expect(try c.call(arguments) == expected, "\(arguments.map { String(decoding: $0.commandBytes, as: UTF8.self) })")
        }
        #expect(try c.call("AI.CONFIG", "GET", "MODEL_CHUNK_SIZE") == .integer(4096))
    }

    @Test func loadTimeArguments() throws {
        // SmartSim's colocated launcher may pass "KEY VALUE" as one argument.
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE 3", "model_chunk_size", "1000", "Threads", "2"])
        let c = try server.connect()
        #expect(try c.call("AI.CONFIG", "GET", "THREADS_PER_QUEUE") == .integer(2))
        #expect(try c.call("AI.CONFIG", "GET", "MODEL_CHUNK_SIZE") == .integer(1000))
        #expect(try c.infoField("modules", "ai_queue_CPU_bthread_n2_used_cpu_total") != nil)
        #expect(try c.infoField("modules", "ai_queue_CPU_bthread_n3_used_cpu_total") == nil)
    }

    @Test(arguments: [
        (["THREADS_PER_QUEUE"], "Even number of arguments provided to module. Please provide arguments as KEY VAL pairs"),
        (["THREADS_PER_QUEUE", "0"], "ERR error processing argument: THREADS_PER_QUEUE 0"),
        (["THREADS_PER_QUEUE", "100000"], "ERR error processing argument: THREADS_PER_QUEUE 100000"),
        (["MODEL_EXECUTION_TIMEOUT", "999"], "ERR error processing argument: MODEL_EXECUTION_TIMEOUT 999"),
        (["COLOR", "blue"], "ERR error processing argument: COLOR blue"),
        (["TF", "/x/redisai_tensorflow.so"], "ERR error processing argument: TF /x/redisai_tensorflow.so (TandemAI supports the ONNX and TORCH backends only)"),
    ])
    func badLoadTimeArgumentsFailTheLoad(arguments: [String], logged: String) throws {
        let failure = #expect(throws: TestEnvironmentError.self) { try Peers.moduleServer(arguments) }
        #expect(failure?.description.contains(logged) == true, "\(failure?.description ?? "")")
    }

    @Test func moduleLoadAfterAFailedLoad() throws {
        let server = try RedisServer.start()
        let c = try server.connect()
        let path = try Peers.module()
        guard case .error(let refused) = try c.call("MODULE", "LOAD", path, "THREADS_PER_QUEUE", "-1") else {
            Issue.record("MODULE LOAD with a bad argument must fail")
            return
        }
        #expect(refused.hasPrefix("ERR Error loading the extension"), "\(refused)")
        #expect(try c.call("PING") == .simpleString("PONG"))
        #expect(try c.call("MODULE", "LOAD", path, "THREADS_PER_QUEUE", "2") == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "t", "FLOAT", 1, "VALUES", 3) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "t", "VALUES") == .array([bulk("3")]))
        // A module with data types cannot be unloaded (Redis refuses `MODULE UNLOAD`).
        guard case .error(let unload) = try c.call("MODULE", "UNLOAD", "ai") else {
            Issue.record("MODULE UNLOAD must fail")
            return
        }
        #expect(unload.contains("can't unload"), "\(unload)")
    }
}
