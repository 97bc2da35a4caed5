import Foundation
import ONNX
import RESP
import TandemNN
import TandemONNX
import Testing
import TandemTesting

/// `AI.MODELEXECUTE` and `AI.MODELRUN`: parsing and every error RedisAI sends, and runs
/// of a real (tiny) ONNX model, `y = relu(x)` with x float [N, 4], through the workers.
@Suite(.needsModule) struct ModelExecuteTests {
    static let ok = RESPValue.simpleString("OK")

    @Test func runsGoThroughTheWorkersAndCountInStatistics() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "2"])
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "TAG", "v", "BLOB", tinyModel()) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "a", "FLOAT", 1, 4, "VALUES", 1, -2, 3, -4) == Self.ok)
        #expect(try c.call("AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "out", "TIMEOUT", 1000) == Self.ok)
        #expect(try c.call("AI.TENSORGET", "out", "VALUES") == .array([bulk("1"), bulk("0"), bulk("3"), bulk("0")]))
        #expect(try c.call("AI.MODELEXECUTE", "m", "inputs", 2, "a", "a", "outputs", 2, "o1", "o2")
                == .error("Number of keys given as INPUTS here does not match model definition"))
        #expect(try c.call("AI.MODELRUN", "m", "INPUTS", "a", "OUTPUTS", "out2") == Self.ok)
        #expect(try c.call("AI.TENSORGET", "out2", "META") == .array([bulk("dtype"), bulk("FLOAT"), bulk("shape"), .array([.integer(1), .integer(4)])]))
        #expect(try c.call("AI.MODELRUN", "m", "TIMEOUT", 5, "INPUTS", "a", "a", "OUTPUTS", "x", "y")
                == .error("Number of keys given as INPUTS here does not match model definition"))
        let info = try #require(try c.call("AI.INFO", "m").array)
        #expect(Array(info[0..<10]) == [bulk("key"), bulk("m"), bulk("type"), bulk("MODEL"), bulk("backend"), bulk("ONNX"),
                                         bulk("device"), bulk("CPU"), bulk("tag"), bulk("v")])
        #expect(info[10] == bulk("duration"))
        #expect(info[13] == .integer(2))   // samples: dim 0 of the first output, summed
        #expect(Array(info[14...]) == [bulk("calls"), .integer(2), bulk("errors"), .integer(0)])
        #expect(try c.infoField("clients", "blocked_clients") == "0")
    }

    /// Wrong shape or dtype: the documented error, counted as a failed run; the server keeps serving.
    @Test func badInputsGetTheRuntimesErrors() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel()) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "wide", "FLOAT", 1, 5) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "flat", "FLOAT", 4) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "double", "DOUBLE", 2, 4) == Self.ok)
        #expect(try c.call("AI.MODELEXECUTE", "m", "INPUTS", 1, "wide", "OUTPUTS", 1, "o") == .error(
            "Got invalid dimensions for input: x for the following indices index: 1 Got: 5 Expected: 4 Please fix either the inputs or the model."))
        let rank = try c.call("AI.MODELEXECUTE", "m", "INPUTS", 1, "flat", "OUTPUTS", 1, "o")
        #expect(rank == .error("ERR Invalid rank for input: x Got: 1 Expected: 2 Please fix either the inputs or the model."))
        #expect(try c.call("AI.MODELEXECUTE", "m", "INPUTS", 1, "double", "OUTPUTS", 1, "o")
                == .error("ERR Unexpected input data type. Actual: (tensor(double)) , expected: (tensor(float))"))
        #expect(try c.call("AI.MODELEXECUTE", "m", "INPUTS", 1, "missing", "OUTPUTS", 1, "o")
                == .error("ERR tensor key is empty or in a different shard"))
        #expect(try c.call("EXISTS", "o") == .integer(0))
        #expect(try c.call("AI.INFO", "m").array?[17] == .integer(3))
        #expect(try c.call("PING") == .simpleString("PONG"))
    }

    /// A run that waits in the queue longer than its TIMEOUT is answered `+TIMEDOUT`.
    @Test func timeoutExceededInTheQueueIsTimedOut() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "1"])
        let c = try server.connect()
        let slow = DiffusionResNet<Float>(depth: 4, seed: 1).onnxModel(height: 64, width: 64).serialized()
        #expect(try c.call("AI.MODELSTORE", "slow", "ONNX", "CPU", "BLOB", slow) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "big", "FLOAT", 1000, 64, 64, 1) == Self.ok)   // a run of ~0.1 s or more
        // A blocked client's next command waits for its reply, so the second run comes from another client.
        let second = try server.connect(), other = try server.connect()
        var first: [UInt8] = [], timed: [UInt8] = []
        RESPEncoder.appendCommand(["AI.MODELEXECUTE", "slow", "INPUTS", "1", "big", "OUTPUTS", "1", "o1"].map { Array($0.utf8) }, to: &first)
        RESPEncoder.appendCommand(["AI.MODELEXECUTE", "slow", "INPUTS", "1", "big", "OUTPUTS", "1", "o2", "TIMEOUT", "1"].map { Array($0.utf8) }, to: &timed)
        try c.write(first)
        // The second run must queue behind the first: send it once the first is blocked.
        #expect(try TestEnvironment.waitUntil { try other.infoField("clients", "blocked_clients") == "1" })
        try second.write(timed)
        #expect(try other.call("PING") == .simpleString("PONG"))   // the main thread is free meanwhile
        #expect(try c.readReply() == Self.ok)
        #expect(try second.readReply() == .simpleString("TIMEDOUT"))
        #expect(try c.call("EXISTS", "o2") == .integer(0))
        #expect(try c.call("AI.TENSORGET", "o1", "META").array?[3] == .array([.integer(1000), .integer(64), .integer(64), .integer(1)]))
    }

    @Test func manyClientsAtOnce() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "3"])
        let setup = try server.connect()
        #expect(try setup.call("AI.MODELSTORE", "m", "ONNX", "GPU:0", "BLOB", tinyModel()) == Self.ok)
        #expect(try setup.call("AI.TENSORSET", "a", "FLOAT", 2, 4, "VALUES", 1, 2, 3, 4, -1, -2, -3, -4) == Self.ok)
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
            for _ in 0..<50 { #expect(try c.readReply() == Self.ok) }
        }
        let info = try #require(try setup.call("AI.INFO", "m").array)
        #expect(info[15] == .integer(400))
        #expect(info[13] == .integer(800))
        #expect(try setup.call("AI.INFO", "m", "RESETSTAT") == Self.ok)
        #expect(try setup.call("AI.INFO", "m").array?[15] == .integer(0))
        // A GPU device gets its own queue; every queue's threads show in INFO.
        #expect(try setup.infoField("modules", "ai_queue_GPU:0_bthread_n3_used_cpu_total") != nil)
        #expect(try setup.infoField("modules", "ai_queue_CPU_bthread_n1_used_cpu_total") != nil)
    }

    @Test func blockingCommandsAreRefusedInMultiAndLua() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel()) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "a", "FLOAT", 1, 4) == Self.ok)
        let refused = RESPValue.error("ERR Cannot run RedisAI command within a transaction or a LUA script")
        #expect(try c.call("MULTI") == .simpleString("OK"))
        #expect(try c.call("AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "o") == .simpleString("QUEUED"))
        #expect(try c.call("AI.MODELRUN", "m", "INPUTS", "a", "OUTPUTS", "o") == .simpleString("QUEUED"))
        #expect(try c.call("EXEC") == .array([refused, refused]))
        let lua = try c.call("EVAL", "return redis.pcall('AI.MODELEXECUTE', 'm', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'o')", 0)
        #expect(lua == refused)
    }

    @Test func modelExecuteErrorTexts() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel()) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "a", "FLOAT", 1, 4) == Self.ok)
        #expect(try c.call("SET", "str", "v") == .simpleString("OK"))
        let inputsDiffer = "Number of keys given as INPUTS here does not match model definition"
        let cases: [([any CommandArgument], String)] = [
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1], "ERR wrong number of arguments for 'AI.MODELEXECUTE' command"),
            (["AI.MODELEXECUTE", "nope", "INPUTS", 1, "a", "OUTPUTS", 1, "o"], "ERR model key is empty"),
            (["AI.MODELEXECUTE", "str", "INPUTS", 1, "a", "OUTPUTS", 1, "o"], "WRONGTYPE Operation against a key holding the wrong kind of value"),
            (["AI.MODELEXECUTE", "m", "INPUT", 1, "a", "OUTPUTS", 1, "o"], "ERR INPUTS not specified"),
            (["AI.MODELEXECUTE", "m", "INPUTS", "x", "a", "OUTPUTS", 1, "o"], "ERR Invalid argument for input_count"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 0, "a", "OUTPUTS", 1, "o"], "ERR Input count must be a positive integer"),
            (["AI.MODELEXECUTE", "m", "INPUTS", "9223372036854775807", "a", "OUTPUTS", 1, "o"], inputsDiffer),
            (["AI.MODELEXECUTE", "m", "INPUTS", 2, "a", "OUTPUTS", 1, "o"], inputsDiffer),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUT", 1, "o"], "ERR OUTPUTS not specified"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", "y", "o"], "ERR Invalid argument for output_count"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", -1, "o"], "ERR Output count must be a positive integer"),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 2, "o"], "Number of keys given as OUTPUTS here does not match model definition"),
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
            (["AI.MODELRUN", "m", "INPUTS", "a", "missing", "OUTPUTS", "o"], inputsDiffer),
            (["AI.MODELRUN", "m", "TIMEOUT", 5, "INPUTS", "missing", "OUTPUTS", "o"], "ERR tensor key is empty or in a different shard"),
            (["AI.MODELRUN", "str", "INPUTS", "a", "OUTPUTS", "o"], "WRONGTYPE Operation against a key holding the wrong kind of value"),
        ]
        for (arguments, message) in cases {
            #expect(try c.call(arguments) == .error(message), "\(arguments.map { String(decoding: $0.commandBytes, as: UTF8.self) })")
        }
        // Parse errors are not runs.
        #expect(try c.call("AI.INFO", "m").array?[15] == .integer(0))
    }

    @Test func readsTheClientsDatabase() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("SELECT", 3) == .simpleString("OK"))
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel()) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "a", "FLOAT", 1, 4) == Self.ok)
        // RedisAI would look in database 0 (its detached context); TandemAI finds both in database 3 and writes there.
        #expect(try c.call("AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "o") == Self.ok)
        #expect(try c.call("EXISTS", "o") == .integer(1))
    }

    @Test func disconnectingWhileBlockedIsHarmless() throws {
        let server = try Peers.moduleServer()
        let setup = try server.connect()
        #expect(try setup.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel()) == Self.ok)
        #expect(try setup.call("AI.TENSORSET", "a", "FLOAT", 1, 4) == Self.ok)
        let model = tinyModel("again")
        for _ in 0..<20 {
            let c = try server.connect()
            var pipeline: [UInt8] = []
            for _ in 0..<20 {
                RESPEncoder.appendCommand(["AI.MODELEXECUTE", "m", "INPUTS", "1", "a", "OUTPUTS", "1", "o"].map { Array($0.utf8) }, to: &pipeline)
                RESPEncoder.appendCommand([Array("AI.MODELSTORE".utf8), Array("m2".utf8), Array("ONNX".utf8), Array("CPU".utf8),
                                           Array("BLOB".utf8), model], to: &pipeline)
            }
            try c.write(pipeline)
        }
        #expect(try setup.call("PING") == .simpleString("PONG"))
        #expect(try TestEnvironment.waitUntil { try setup.infoField("clients", "blocked_clients") == "0" })
    }
}
