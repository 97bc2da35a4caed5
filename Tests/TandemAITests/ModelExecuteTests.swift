import Foundation
import RESP
import Testing
import _TestSupport

/// `AI.MODELEXECUTE` and `AI.MODELRUN`: parsing and every error of spec A.11/A.12, and the
/// blocking path through the worker threads. This build has no model runtime, so a run
/// that passes every check is answered by a worker with the "Backend not loaded" error.
@Suite(.needsModule) struct ModelExecuteTests {
    static let noRuntime = RESPValue.error("ERR Backend not loaded: ONNX (this TandemAI build has no ONNX runtime)")

    @Test func runsGoThroughTheWorkersAndCountInStatistics() throws {
        let server = try startModuleServer(["THREADS_PER_QUEUE", "2"])
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "TAG", "v", "BLOB", "x") == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "a", "FLOAT", 1, 2, "VALUES", 1, 2) == .simpleString("OK"))
        #expect(try c.call("AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "out", "TIMEOUT", 1000) == Self.noRuntime)
        #expect(try c.call("AI.MODELEXECUTE", "m", "inputs", 2, "a", "a", "outputs", 2, "o1", "o2") == Self.noRuntime)
        #expect(try c.call("AI.MODELRUN", "m", "INPUTS", "a", "OUTPUTS", "out") == Self.noRuntime)
        #expect(try c.call("AI.MODELRUN", "m", "TIMEOUT", 5, "INPUTS", "a", "a", "OUTPUTS", "x", "y") == Self.noRuntime)
        #expect(try c.call("EXISTS", "out") == .integer(0))
        let info = try #require(try c.call("AI.INFO", "m").array)
        #expect(Array(info[0..<10]) == [bulk("key"), bulk("m"), bulk("type"), bulk("MODEL"), bulk("backend"), bulk("ONNX"),
                                         bulk("device"), bulk("CPU"), bulk("tag"), bulk("v")])
        #expect(info[10] == bulk("duration"))
        #expect(info[13] == .integer(0))   // samples
        #expect(Array(info[14...]) == [bulk("calls"), .integer(4), bulk("errors"), .integer(4)])
        #expect(try c.infoField("clients", "blocked_clients") == "0")
    }

    @Test func manyClientsAtOnce() throws {
        let server = try startModuleServer(["THREADS_PER_QUEUE", "3"])
        let setup = try server.connect()
        #expect(try setup.call("AI.MODELSTORE", "m", "ONNX", "GPU:0", "BLOB", "x") == .simpleString("OK"))
        #expect(try setup.call("AI.TENSORSET", "a", "INT8", 1) == .simpleString("OK"))
        let connections = try (0..<8).map { _ in try server.connect() }
        // Pipeline 50 runs per connection, then read every reply.
        for c in connections {
            var pipeline: [UInt8] = []
            for _ in 0..<50 {
                RESPEncoder.appendCommand(["AI.MODELEXECUTE", "m", "INPUTS", "1", "a", "OUTPUTS", "1", "o"].map { Array($0.utf8) }, to: &pipeline)
            }
            try c.write(pipeline)
        }
        for c in connections {
            for _ in 0..<50 { #expect(try c.readReply() == Self.noRuntime) }
        }
        let info = try #require(try setup.call("AI.INFO", "m").array)
        #expect(info[15] == .integer(400))
        #expect(try setup.call("AI.INFO", "m", "RESETSTAT") == .simpleString("OK"))
        #expect(try setup.call("AI.INFO", "m").array?[15] == .integer(0))
        // A GPU device gets its own queue; every queue's threads show in INFO.
        #expect(try setup.infoField("modules", "ai_queue_GPU:0_bthread_n3_used_cpu_total") != nil)
        #expect(try setup.infoField("modules", "ai_queue_CPU_bthread_n1_used_cpu_total") != nil)
    }

    @Test func blockingCommandsAreRefusedInMultiAndLua() throws {
        let server = try startModuleServer()
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", "x") == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "a", "FLOAT", 1) == .simpleString("OK"))
        let refused = RESPValue.error("ERR Cannot run RedisAI command within a transaction or a LUA script")
        #expect(try c.call("MULTI") == .simpleString("OK"))
        #expect(try c.call("AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "o") == .simpleString("QUEUED"))
        #expect(try c.call("AI.MODELRUN", "m", "INPUTS", "a", "OUTPUTS", "o") == .simpleString("QUEUED"))
        #expect(try c.call("EXEC") == .array([refused, refused]))
        let lua = try c.call("EVAL", "return redis.pcall('AI.MODELEXECUTE', 'm', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'o')", 0)
        #expect(lua == refused)
    }

    @Test func modelExecuteErrorTexts() throws {
        let server = try startModuleServer()
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", "x") == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "a", "FLOAT", 1) == .simpleString("OK"))
        #expect(try c.call("SET", "str", "v") == .simpleString("OK"))
        let cases: [([any CommandArgument], String)] = [
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1], "ERR wrong number of arguments for 'AI.MODELEXECUTE' command"),
            (["AI.MODELEXECUTE", "nope", "INPUTS", 1, "a", "OUTPUTS", 1, "o"], "ERR model key is empty"),
            (["AI.MODELEXECUTE", "str", "INPUTS", 1, "a", "OUTPUTS", 1, "o"], "WRONGTYPE Operation against a key holding the wrong kind of value"),
            (["AI.MODELEXECUTE", "m", "INPUT", 1, "a", "OUTPUTS", 1, "o"], "ERR INPUTS not specified"),
            (["AI.MODELEXECUTE", "m", "INPUTS", "x", "a", "OUTPUTS", 1, "o"], "ERR Invalid argument for input_count"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 0, "a", "OUTPUTS", 1, "o"], "ERR Input count must be a positive integer"),
            (["AI.MODELEXECUTE", "m", "INPUTS", "9223372036854775807", "a", "OUTPUTS", 1, "o"],
             "ERR number of input keys to AI.MODELEXECUTE command does not match the number of given arguments"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 2, "a", "OUTPUTS", 1, "o"], "ERR OUTPUTS not specified"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", "y", "o"], "ERR Invalid argument for output_count"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", -1, "o"], "ERR Output count must be a positive integer"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 2, "o"],
             "ERR number of output keys to AI.MODELEXECUTE command does not match the number of given arguments"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "o", "LATER", 5], "Invalid argument: LATER"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "o", "TIMEOUT"], "ERR No value provided for TIMEOUT"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "o", "TIMEOUT", 0], "ERR Invalid value for TIMEOUT"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "o", "TIMEOUT", "1s"], "ERR Invalid value for TIMEOUT"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "o", "TIMEOUT", 5, "x"], "Invalid argument: x"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "missing", "OUTPUTS", 1, "o"], "ERR tensor key is empty or in a different shard"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "str", "OUTPUTS", 1, "o"], "WRONGTYPE Operation against a key holding the wrong kind of value"),
            (["AI.MODELRUN", "m", "INPUTS", "a", "OUTPUTS"], "ERR wrong number of arguments for 'AI.MODELRUN' command"),
            (["AI.MODELRUN", "nope", "INPUTS", "a", "OUTPUTS", "o"], "ERR model key is empty"),
            (["AI.MODELRUN", "m", "TIMEOUT", "x", "INPUTS", "a", "OUTPUTS", "o"], "ERR Invalid value for TIMEOUT"),
            (["AI.MODELRUN", "m", "INPUT", "a", "b", "OUTPUTS", "o"], "ERR INPUTS not specified"),
            (["AI.MODELRUN", "m", "INPUTS", "a", "missing", "OUTPUTS", "o"], "ERR tensor key is empty or in a different shard"),
            (["AI.MODELRUN", "str", "INPUTS", "a", "OUTPUTS", "o"], "WRONGTYPE Operation against a key holding the wrong kind of value"),
        ]
        for (arguments, message) in cases {
            #expect(try c.call(arguments) == .error(message), "\(arguments.map { String(decoding: $0.argumentBytes, as: UTF8.self) })")
        }
        // Parse errors are not runs.
        #expect(try c.call("AI.INFO", "m").array?[15] == .integer(0))
    }

    @Test func readsTheClientsDatabase() throws {
        let server = try startModuleServer()
        let c = try server.connect()
        #expect(try c.call("SELECT", 3) == .simpleString("OK"))
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", "x") == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "a", "FLOAT", 1) == .simpleString("OK"))
        // RedisAI would look in database 0 (B.6); TandemAI finds both in database 3.
        #expect(try c.call("AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "o") == Self.noRuntime)
    }

    @Test func disconnectingWhileBlockedIsHarmless() throws {
        let server = try startModuleServer()
        let setup = try server.connect()
        #expect(try setup.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", "x") == .simpleString("OK"))
        #expect(try setup.call("AI.TENSORSET", "a", "FLOAT", 1) == .simpleString("OK"))
        for _ in 0..<20 {
            let c = try server.connect()
            var pipeline: [UInt8] = []
            for _ in 0..<20 {
                RESPEncoder.appendCommand(["AI.MODELEXECUTE", "m", "INPUTS", "1", "a", "OUTPUTS", "1", "o"].map { Array($0.utf8) }, to: &pipeline)
                RESPEncoder.appendCommand(["AI.MODELSTORE", "m2", "ONNX", "CPU", "BLOB", "y"].map { Array($0.utf8) }, to: &pipeline)
            }
            try c.write(pipeline)
        }
        usleep(100_000)
        #expect(try setup.call("PING") == .simpleString("PONG"))
        #expect(try setup.infoField("clients", "blocked_clients") == "0")
    }
}
