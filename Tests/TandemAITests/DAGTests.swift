import Foundation
import ONNX
import RESP
import TandemNN
import TandemONNX
import Testing
import TandemRedis
import TandemTesting

/// `AI.DAGEXECUTE`, `AI.DAGEXECUTE_RO`, `AI.DAGRUN` and `AI.DAGRUN_RO` on a real
/// redis-server with the module: every parse error as RedisAI sends it, the per-op replies,
/// LOAD and PERSIST, models (ONNX) and scripts (TORCH) inside a DAG, TIMEOUT, replication
/// of PERSIST, key positions on a real cluster, and malformed DAGs that must never crash.
@Suite(.needsModule) struct DAGTests {
    static let ok = RESPValue.simpleString("OK")
    static let na = RESPValue.simpleString("NA")

    /// `AI.DAG…` followed by `parts`.
    static func dag(_ command: String, _ parts: [any CommandArgument]) -> [any CommandArgument] {
        [command] + parts
    }

    @Test func parseErrorsAreRedisAIs() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel()) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "a", "FLOAT", 1, 4, "VALUES", 1, 2, 3, 4) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "b", "FLOAT", 1, 4) == Self.ok)
        #expect(try c.call("SET", "str", "v") == Self.ok)
        let e = "AI.DAGEXECUTE", ro = "AI.DAGEXECUTE_RO"
        let cases: [([any CommandArgument], String)] = [
            ([e, "LOAD", 1, "a", "|>"], "ERR missing arguments for 'AI.DAGEXECUTE' command"),
            ([ro, "LOAD", 1, "a", "|>"], "ERR missing arguments for 'AI.DAGEXECUTE_RO' command"),
            (["AI.DAGRUN", "|>", "AI.TENSORGET"], "ERR wrong number of arguments for 'AI.DAGRUN' command"),
            (["AI.DAGRUN_RO", "|>", "AI.TENSORGET"], "ERR wrong number of arguments for 'AI.DAGRUN_RO' command"),
            ([e, "TIMEOUT", 5, "|>", "AI.TENSORSET", "t", "FLOAT", 1],
             "ERR AI.DAGEXECUTE and AI.DAGEXECUTE_RO commands must contain at least one out of ROUTING, LOAD, PERSIST keywords"),
            ([e, "ROUTING", "r", "TIMEOUT", 5, "LOAD", 1], "ERR missing arguments after LOAD keyword in DAG command"),
            ([e, "LOAD", "x", "a", "|>", "AI.TENSORGET", "a"], "ERR invalid or negative value found in number of keys to LOAD"),
            ([e, "LOAD", 0, "a", "|>", "AI.TENSORGET", "a"], "ERR invalid or negative value found in number of keys to LOAD"),
            ([e, "ROUTING", "r", "LOAD", 3, "a", "b"], "ERR number of keys to LOAD into DAG does not match the number of given arguments"),
            ([e, "LOAD", 1, "missing", "|>", "AI.TENSORGET", "missing"], "ERR tensor key is empty or in a different shard"),
            ([e, "LOAD", 2, "a", "str", "|>", "AI.TENSORGET", "a"], "WRONGTYPE Operation against a key holding the wrong kind of value"),
            // LOAD takes the next n arguments whatever they are, as RedisAI does.
            ([e, "LOAD", 2, "a", "|>", "AI.TENSORGET", "a"], "ERR tensor key is empty or in a different shard"),
            ([e, "ROUTING", "r", "TIMEOUT", 5, "PERSIST", 1], "ERR missing arguments after PERSIST keyword in DAG command"),
            ([e, "PERSIST", -1, "a", "|>", "AI.TENSORGET", "a"], "ERR invalid or negative value found in number of keys to PERSIST"),
            ([e, "ROUTING", "r", "PERSIST", 3, "a", "b"],
             "ERR number of keys to PERSIST after DAG execution does not match the number of given arguments"),
            ([e, "PERSIST", 2, "o", "o", "|>", "AI.TENSORSET", "o", "FLOAT", 1], "ERR PERSIST keys must be unique"),
            ([ro, "PERSIST", 1, "o", "|>", "AI.TENSORSET", "o", "FLOAT", 1], "ERR PERSIST cannot be specified in a read-only DAG"),
            (["AI.DAGRUN_RO", "PERSIST", 1, "o", "|>", "AI.TENSORSET", "o", "FLOAT", 1], "ERR PERSIST cannot be specified in a read-only DAG"),
            ([e, "LOAD", 1, "a", "TIMEOUT", 5, "ROUTING"], "ERR Missing ROUTING value"),
            ([e, "ROUTING", "r", "LOAD", 1, "a", "TIMEOUT"], "ERR No value provided for TIMEOUT"),
            ([e, "ROUTING", "r", "TIMEOUT", "soon", "|>", "AI.TENSORGET", "a"], "ERR Invalid value for TIMEOUT"),
            ([e, "ROUTING", "r", "BAD_ARG", "|>", "AI.TENSORGET", "a"], "ERR Invalid DAG command. Unexpected argument:  BAD_ARG"),
            ([e, "LOAD", 1, "a", "LOAD", 1, "a", "|>", "AI.TENSORGET", "a"], "ERR Invalid DAG command. Unexpected argument:  LOAD"),
            ([e, "ROUTING", "r", "ROUTING", "r", "|>", "AI.TENSORGET", "a"], "ERR Invalid DAG command. Unexpected argument:  ROUTING"),
            ([e, "ROUTING", "r", "LOAD", 1, "a", "|>"], "ERR Invalid DAG command. Unexpected argument:  |>"),
            ([e, "ROUTING", "r", "LOAD", 1, "a"], "ERR DAG is empty"),
            (["AI.DAGRUN", "LOAD", 1, "a"], "ERR DAG is empty"),
            ([e, "ROUTING", "r", "|>", "AI.NOCOMMAND", "a"], "Unsupported command within DAG"),
            ([e, "ROUTING", "r", "|>", "|>", "AI.TENSORGET", "a"], "Unsupported command within DAG"),
            ([e, "ROUTING", "r", "|>", "AI.MODELRUN", "m", "INPUTS", "a", "OUTPUTS", "o"],
             "Deprecated AI.MODELRUN cannot be used in AI.DAGEXECUTE command"),
            ([e, "ROUTING", "r", "|>", "ai.scriptrun", "s", "f", "INPUTS", "a", "OUTPUTS", "o"],
             "Deprecated AI.SCRIPTRUN cannot be used in AI.DAGEXECUTE command"),
            (["AI.DAGRUN", "LOAD", 1, "a", "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "o"],
             "AI.MODELEXECUTE cannot be used in a deprecated AI.DAGRUN command"),
            (["AI.DAGRUN", "LOAD", 1, "a", "|>", "AI.SCRIPTEXECUTE", "s", "f", "INPUTS", 1, "a"],
             "AI.SCRIPTEXECUTE cannot be used in a deprecated AI.DAGRUN command"),
            ([ro, "LOAD", 1, "a", "|>", "AI.SCRIPTEXECUTE", "s", "f", "INPUTS", 1, "a"],
             "ERR AI.SCRIPTEXECUTE command cannot be specified in a read-only DAG"),
            ([e, "ROUTING", "r", "TIMEOUT", 5, "|>", "AI.TENSORGET"], "wrong number of arguments for 'AI.TENSORGET' command"),
            ([e, "LOAD", 1, "a", "|>", "AI.TENSORGET", "a", "BLOB", "VALUES"], "ERR both BLOB and VALUES specified"),
            ([e, "LOAD", 1, "a", "|>", "AI.TENSORGET", "a", "JSON"], "ERR unsupported data format"),
            ([e, "ROUTING", "r", "|>", "AI.TENSORSET", "t", "FLOAT"], "wrong number of arguments for 'AI.TENSORSET' command"),
            ([e, "ROUTING", "r", "|>", "AI.TENSORSET", "t", "FLOT", 1], "ERR invalid data type"),
            ([e, "ROUTING", "r", "|>", "AI.TENSORSET", "t", "FLOAT", 2, "VALUES", 1], "ERR wrong number of values was given in 'AI.TENSORSET' command"),
            ([e, "LOAD", 1, "a", "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "o", "TIMEOUT", 5],
             "ERR TIMEOUT not allowed within a DAG command"),
            ([e, "LOAD", 1, "a", "|>", "AI.MODELEXECUTE", "nomodel", "INPUTS", 1, "a", "OUTPUTS", 1, "o"], "ERR model key is empty"),
            ([e, "LOAD", 1, "a", "|>", "AI.MODELEXECUTE", "m", "INPUTS", 2, "a", "a", "OUTPUTS", 1, "o"],
             "Number of keys given as INPUTS here does not match model definition"),
            ([e, "LOAD", 1, "a", "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "a"], "ERR wrong number of arguments for 'AI.MODELEXECUTE' command"),
            ([e, "LOAD", 1, "a", "|>", "AI.SCRIPTEXECUTE", "s", "f", "INPUTS", 1, "a"], "ERR script key is empty"),
            (["AI.DAGRUN", "LOAD", 1, "a", "|>", "AI.MODELRUN", "m", "TIMEOUT", 5, "INPUTS", "a", "OUTPUTS", "o"],
             "ERR TIMEOUT not allowed within a DAG command"),
            // Names inside a DAG are local: `b` exists in the keyspace but was not LOADed.
            ([e, "ROUTING", "r", "|>", "AI.TENSORGET", "b"], "ERR INPUT key cannot be found in DAG"),
            ([e, "LOAD", 1, "a", "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "b", "OUTPUTS", 1, "o"], "ERR INPUT key cannot be found in DAG"),
            ([e, "PERSIST", 1, "zz", "|>", "AI.TENSORSET", "t", "FLOAT", 1], "ERR PERSIST key cannot be found in DAG"),
            // Every op is parsed before the names are checked.
            ([e, "ROUTING", "r", "|>", "AI.TENSORGET", "nowhere", "|>", "AI.NOCOMMAND"], "Unsupported command within DAG"),
        ]
        for (command, error) in cases {
            #expect(try c.call(command) == .error(error), "\(command.map { String(decoding: $0.commandBytes, as: UTF8.self) })")
        }
        // Inside MULTI the error comes at EXEC, and nothing runs.
        #expect(try c.call("MULTI") == Self.ok)
        #expect(try c.call(e, "PERSIST", 1, "t", "|>", "AI.TENSORSET", "t", "FLOAT", 1) == .simpleString("QUEUED"))
        #expect(try c.call("EXEC") == .array([.error("ERR Cannot run RedisAI command within a transaction or a LUA script")]))
        #expect(try c.call("DBSIZE") == .integer(4), "no error wrote anything")
        #expect(try c.call("AI.INFO", "m").array?[15] == .integer(0), "no model ran")
        #expect(try c.call("PING") == .simpleString("PONG"))
    }

    @Test func tensorOpsLoadAndPersist() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.TENSORSET", "a", "FLOAT", 2, "VALUES", 1, 2) == Self.ok)
        let reply = try c.call(Self.dag("AI.DAGEXECUTE", [
            "LOAD", 1, "a", "PERSIST", 1, "c",
            "|>", "AI.TENSORSET", "b", "INT8", 2, "VALUES", 3, -4,
            "|>", "AI.TENSORGET", "a", "VALUES",
            "|>", "ai.tensorget", "b", "META",
            "|>", "AI.TENSORSET", "c", "FLOAT", 1, "VALUES", 5,
            "|>", "AI.TENSORGET", "c", "BLOB",
            "|>", "AI.TENSORGET", "b",
        ]))
        #expect(reply == .array([
            Self.ok,
            .array([bulk("1"), bulk("2")]),
            .array([bulk("dtype"), bulk("INT8"), bulk("shape"), .array([.integer(2)])]),
            Self.ok,
            .bulkString(littleEndianBytes([Float(5)])),
            .array([bulk("dtype"), bulk("INT8"), bulk("shape"), .array([.integer(2)]), bulk("blob"), .bulkString([3, 0xFC])]),
        ]))
        // Only the PERSIST name reached the keyspace; LOAD did not change its source.
        #expect(try c.call("AI.TENSORGET", "c", "VALUES") == .array([bulk("5")]))
        #expect(try c.call("EXISTS", "b") == .integer(0))
        #expect(try c.call("AI.TENSORGET", "a", "VALUES") == .array([bulk("1"), bulk("2")]))

        // A name written again gets a new value; each TENSORGET sees what came before it.
        #expect(try c.call(Self.dag("AI.DAGEXECUTE", [
            "ROUTING", "anything",
            "|>", "AI.TENSORSET", "x", "INT32", 1, "VALUES", 1,
            "|>", "AI.TENSORGET", "x", "VALUES",
            "|>", "AI.TENSORSET", "x", "INT32", 1, "VALUES", 2,
            "|>", "AI.TENSORGET", "x", "VALUES",
        ])) == .array([Self.ok, .array([.integer(1)]), Self.ok, .array([.integer(2)])]))
        #expect(try c.call("EXISTS", "x") == .integer(0))
        #expect(try c.call("EXISTS", "anything") == .integer(0))

        // A LOADed tensor persisted under its own name and another one.
        #expect(try c.call(Self.dag("AI.DAGRUN", ["LOAD", 1, "a", "PERSIST", 1, "a", "|>", "AI.TENSORGET", "a", "META"]))
                == .array([.array([bulk("dtype"), bulk("FLOAT"), bulk("shape"), .array([.integer(2)])])]))
        #expect(try c.call(Self.dag("AI.DAGEXECUTE_RO", ["LOAD", 1, "a", "|>", "AI.TENSORGET", "a", "VALUES"]))
                == .array([.array([bulk("1"), bulk("2")])]))
        #expect(try c.call(Self.dag("AI.DAGRUN_RO", ["|>", "AI.TENSORSET", "s", "STRING", 2, "VALUES", "x", "yz", "|>", "AI.TENSORGET", "s", "VALUES"]))
                == .array([Self.ok, .array([bulk("x"), bulk("yz")])]))
    }

    /// A PERSIST key holding another type: every op still replies, one WRONGTYPE element
    /// follows, and no PERSIST key is written.
    @Test func persistOntoAnotherTypeWritesNothing() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("SET", "str", "keep") == Self.ok)
        #expect(try c.call(Self.dag("AI.DAGEXECUTE", [
            "PERSIST", 2, "good", "str",
            "|>", "AI.TENSORSET", "good", "FLOAT", 1, "VALUES", 1,
            "|>", "AI.TENSORSET", "str", "FLOAT", 1, "VALUES", 2,
        ])) == .array([Self.ok, Self.ok, wrongType]))
        #expect(try c.call("EXISTS", "good") == .integer(0))
        #expect(try c.call("GET", "str") == bulk("keep"))
    }

    @Test func modelsRunInsideADAG() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel()) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "in", "FLOAT", 1, 4, "VALUES", 1, -2, 3, -4) == Self.ok)
        let relu = RESPValue.array([bulk("1"), bulk("0"), bulk("3"), bulk("0")])
        #expect(try c.call(Self.dag("AI.DAGEXECUTE", [
            "LOAD", 1, "in", "PERSIST", 1, "out",
            "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "in", "OUTPUTS", 1, "y",
            "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "y", "OUTPUTS", 1, "out",
            "|>", "AI.TENSORGET", "out", "VALUES",
        ])) == .array([Self.ok, Self.ok, relu]))
        #expect(try c.call("AI.TENSORGET", "out", "VALUES") == relu)
        #expect(try c.call("EXISTS", "y") == .integer(0))
        var info = try #require(try c.call("AI.INFO", "m").array)
        #expect(info[13] == .integer(2))   // samples
        #expect(info[15] == .integer(2))   // calls
        #expect(info[17] == .integer(0))   // errors

        // A failing op: its error, NA for the ops after it, tensors made before it still
        // readable, nothing persisted.
        #expect(try c.call(Self.dag("AI.DAGEXECUTE", [
            "PERSIST", 1, "o",
            "|>", "AI.TENSORSET", "w", "FLOAT", 1, 5,
            "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "w", "OUTPUTS", 1, "o",
            "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "o", "OUTPUTS", 1, "o2",
            "|>", "AI.TENSORGET", "o", "VALUES",
            "|>", "AI.TENSORGET", "w", "META",
        ])) == .array([
            Self.ok,
            .error("Got invalid dimensions for input: x for the following indices index: 1 Got: 5 Expected: 4 Please fix either the inputs or the model."),
            Self.na, Self.na,
            .array([bulk("dtype"), bulk("FLOAT"), bulk("shape"), .array([.integer(1), .integer(5)])]),
        ]))
        #expect(try c.call("EXISTS", "o") == .integer(0))
        info = try #require(try c.call("AI.INFO", "m").array)
        #expect(info[15] == .integer(3))
        #expect(info[17] == .integer(1))

        // The deprecated form with AI.MODELRUN, and the read-only form.
        #expect(try c.call(Self.dag("AI.DAGRUN", [
            "PERSIST", 1, "r",
            "|>", "AI.TENSORSET", "i", "FLOAT", 1, 4, "VALUES", -1, 2, -3, 4,
            "|>", "AI.MODELRUN", "m", "INPUTS", "i", "OUTPUTS", "r",
        ])) == .array([Self.ok, Self.ok]))
        #expect(try c.call("AI.TENSORGET", "r", "VALUES") == .array([bulk("0"), bulk("2"), bulk("0"), bulk("4")]))
        #expect(try c.call(Self.dag("AI.DAGEXECUTE_RO", [
            "LOAD", 1, "in",
            "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "in", "OUTPUTS", 1, "t",
            "|>", "AI.TENSORGET", "t", "VALUES",
        ])) == .array([Self.ok, relu]))
        #expect(try c.call("EXISTS", "t") == .integer(0))
        #expect(try c.infoField("clients", "blocked_clients") == "0")
    }

    /// A DAG that waits in the queue longer than its TIMEOUT gets `+TIMEDOUT` and persists
    /// nothing.
    @Test func timeoutExceededInTheQueueIsTimedOut() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "1"])
        let c = try server.connect()
        let slow = DiffusionResNet<Float>(depth: 4, seed: 1).onnxModel(height: 64, width: 64).serialized()
        #expect(try c.call("AI.MODELSTORE", "slow", "ONNX", "CPU", "BLOB", slow) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "big", "FLOAT", 1000, 64, 64, 1) == Self.ok)
        let second = try server.connect(), other = try server.connect()
        var first: [UInt8] = [], timed: [UInt8] = []
        RESPEncoder.appendCommand(["AI.DAGEXECUTE", "LOAD", "1", "big", "PERSIST", "1", "o1",
                                   "|>", "AI.MODELEXECUTE", "slow", "INPUTS", "1", "big", "OUTPUTS", "1", "o1"].map { Array($0.utf8) }, to: &first)
        RESPEncoder.appendCommand(["AI.DAGEXECUTE", "PERSIST", "1", "o2", "TIMEOUT", "1",
                                   "|>", "AI.TENSORSET", "o2", "FLOAT", "1"].map { Array($0.utf8) }, to: &timed)
        try c.write(first)
        // The second DAG must queue behind the first: send it once the first is blocked.
        #expect(try TestEnvironment.waitUntil { try other.infoField("clients", "blocked_clients") == "1" })
        try second.write(timed)
        #expect(try other.call("PING") == .simpleString("PONG"))
        #expect(try c.readReply() == .array([Self.ok]))
        #expect(try second.readReply() == .simpleString("TIMEDOUT"))
        #expect(try c.call("EXISTS", "o2") == .integer(0))
        #expect(try c.call("AI.TENSORGET", "o1", "META").array?[3] == .array([.integer(1000), .integer(64), .integer(64), .integer(1)]))
        // Zero or a negative TIMEOUT is accepted and means no limit, as in RedisAI.
        #expect(try c.call(Self.dag("AI.DAGEXECUTE", ["ROUTING", "r", "TIMEOUT", 0, "|>", "AI.TENSORSET", "t", "FLOAT", 1]))
                == .array([Self.ok]))
        #expect(try c.call(Self.dag("AI.DAGEXECUTE", ["ROUTING", "r", "TIMEOUT", -5, "|>", "AI.TENSORSET", "t", "FLOAT", 1]))
                == .array([Self.ok]))
    }

    /// PERSIST reaches a replica as AI.TENSORSET; local tensors do not.
    @Test func persistedTensorsAreReplicated() throws {
        let master = try Peers.moduleServer(extra: ["--repl-diskless-sync-delay", "0"])
        let c = try master.connect()
        let replica = try Peers.moduleServer(extra: ["--replicaof", "127.0.0.1", "\(master.port)"])
        let r = try replica.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel()) == Self.ok)
        #expect(try c.call(Self.dag("AI.DAGEXECUTE", [
            "PERSIST", 2, "p", "out",
            "|>", "AI.TENSORSET", "p", "INT16", 2, "VALUES", -3, 4,
            "|>", "AI.TENSORSET", "in", "FLOAT", 1, 4, "VALUES", -1, 2, -3, 4,
            "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "in", "OUTPUTS", 1, "out",
        ])) == .array([Self.ok, Self.ok, Self.ok]))
        #expect(try c.call("SET", "marker", "last") == Self.ok)
        var synced = false
        let deadline = Date().addingTimeInterval(60)
        while !synced && Date() < deadline {
            usleep(10_000)
            synced = try r.infoField("replication", "master_link_status") == "up" && r.call("GET", "marker") == bulk("last")
        }
        #expect(synced, "replica did not catch up:\n\(replica.log.suffix(2000))")
        #expect(try r.call("AI.TENSORGET", "p", "VALUES") == .array([.integer(-3), .integer(4)]))
        #expect(try r.call("AI.TENSORGET", "out", "VALUES") == .array([bulk("0"), bulk("2"), bulk("0"), bulk("4")]))
        #expect(try r.call("EXISTS", "in") == .integer(0))
        // The read-only form runs on the replica itself.
        #expect(try r.call(Self.dag("AI.DAGEXECUTE_RO", [
            "LOAD", 1, "out", "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "out", "OUTPUTS", 1, "y", "|>", "AI.TENSORGET", "y", "VALUES",
        ])) == .array([Self.ok, .array([bulk("0"), bulk("2"), bulk("0"), bulk("4")])]))
    }

    /// The keys Redis sees (`COMMAND GETKEYS`): LOAD/PERSIST keys, the ROUTING value and the
    /// model or script after each MODELEXECUTE/SCRIPTEXECUTE; never the local names.
    @Test func keyPositions() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        let keys = try c.call(["COMMAND", "GETKEYS", "AI.DAGEXECUTE", "LOAD", 2, "a", "b", "PERSIST", 1, "c",
                               "ROUTING", "r", "TIMEOUT", 5,
                               "|>", "AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 1, "c",
                               "|>", "AI.SCRIPTEXECUTE", "s", "f", "INPUTS", 1, "a", "OUTPUTS", 1, "local",
                               "|>", "AI.TENSORGET", "c"])
        #expect(keys == .array([bulk("a"), bulk("b"), bulk("c"), bulk("r"), bulk("m"), bulk("s")]))
        #expect(try c.call(["COMMAND", "GETKEYS", "AI.DAGRUN_RO", "ROUTING", "{t}x", "|>", "AI.TENSORSET", "q", "FLOAT", 1])
                == .array([bulk("{t}x")]))
        // A malformed section ends the scan, keeping what came before.
        #expect(try c.call(["COMMAND", "GETKEYS", "AI.DAGEXECUTE", "ROUTING", "r", "LOAD", "x", "a", "|>", "AI.TENSORGET", "a"])
                == .array([bulk("r")]))
    }

    /// On a real 3-node cluster: keys in different slots are CROSSSLOT, a DAG sent to the
    /// wrong node is MOVED, and a DAG whose keys share a hash tag runs on its node (local
    /// tensor names may hash anywhere).
    @Test func clusterSlotsAsRedisAI() throws {
        let cluster = try Peers.moduleCluster()
        defer { cluster.stop() }
        let any = try cluster.connect(port: cluster.masters[0].server.port)
        func slot(_ key: String) throws -> Int { Int(try #require(try any.call("CLUSTER", "KEYSLOT", key).integer)) }
        let ownerB = try #require(try cluster.owner(ofSlot: slot("{b}")))
        let ownerA = try #require(try cluster.owner(ofSlot: slot("{a}")))
        #expect(ownerA != ownerB)
        let c = try cluster.connect(port: ownerB)
        #expect(try c.call("AI.MODELSTORE", "m{b}", "ONNX", "CPU", "BLOB", tinyModel()) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "in{b}", "FLOAT", 1, 4, "VALUES", 1, -2, 3, -4) == Self.ok)
        let relu = RESPValue.array([bulk("1"), bulk("0"), bulk("3"), bulk("0")])
        #expect(try c.call(Self.dag("AI.DAGEXECUTE", [
            "LOAD", 1, "in{b}", "PERSIST", 1, "out{b}",
            "|>", "AI.MODELEXECUTE", "m{b}", "INPUTS", 1, "in{b}", "OUTPUTS", 1, "out{b}",
            "|>", "AI.TENSORSET", "local{a}", "FLOAT", 1,
            "|>", "AI.TENSORGET", "out{b}", "VALUES",
        ])) == .array([Self.ok, Self.ok, relu]))
        #expect(try c.call("AI.TENSORGET", "out{b}", "VALUES") == relu)
        let crossSlot = RESPValue.error("CROSSSLOT Keys in request don't hash to the same slot")
        #expect(try c.call(Self.dag("AI.DAGEXECUTE", [
            "LOAD", 1, "in{b}", "PERSIST", 1, "out{a}", "|>", "AI.TENSORSET", "out{a}", "FLOAT", 1,
        ])) == crossSlot)
        #expect(try c.call(Self.dag("AI.DAGEXECUTE", [
            "ROUTING", "{b}", "|>", "AI.TENSORSET", "x", "FLOAT", 1, 4,
            "|>", "AI.MODELEXECUTE", "m{a}", "INPUTS", 1, "x", "OUTPUTS", 1, "y",
        ])) == crossSlot)
        #expect(try c.call(Self.dag("AI.DAGEXECUTE", ["ROUTING", "{a}", "|>", "AI.TENSORSET", "t", "FLOAT", 1]))
                == .error("MOVED \(try slot("{a}")) 127.0.0.1:\(ownerA)"))
        #expect(try c.call(Self.dag("AI.DAGEXECUTE_RO", ["ROUTING", "{b}", "|>", "AI.TENSORSET", "t", "FLOAT", 1, "|>", "AI.TENSORGET", "t", "META"]))
                == .array([Self.ok, .array([bulk("dtype"), bulk("FLOAT"), bulk("shape"), .array([.integer(1)])])]))
    }

    /// TorchScript functions inside a DAG (the TORCH backend; skipped loudly when it is
    /// missing, required under CI).
    @Test func scriptsRunInsideADAG() throws {
        let fixtures = try Torch.fixtures()
        let server = try Torch.server()
        let c = try server.connect()
        let source = try fixtures.file("script.py")
        #expect(try c.call("AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", 2, "scale", "fails", "SOURCE", source) == Self.ok)
        #expect(try c.call("AI.SCRIPTSET", "old", "CPU", "SOURCE", source) == Self.ok)
        #expect(try c.call(Self.dag("AI.DAGEXECUTE", [
            "PERSIST", 1, "o2",
            "|>", "AI.TENSORSET", "p", "FLOAT", 2, "VALUES", 1, 2,
            "|>", "AI.TENSORSET", "q", "FLOAT", 2, "VALUES", 10, 20,
            "|>", "AI.SCRIPTEXECUTE", "s", "scale", "INPUTS", 2, "p", "q", "ARGS", 1, "2.5", "OUTPUTS", 2, "o1", "o2",
            "|>", "AI.TENSORGET", "o1", "VALUES",
        ])) == .array([Self.ok, Self.ok, Self.ok, .array([bulk("2.5"), bulk("5")])]))
        #expect(try c.call("AI.TENSORGET", "o2", "VALUES") == .array([bulk("9"), bulk("18")]))
        #expect(try c.call("EXISTS", "o1") == .integer(0))
        // The deprecated form with AI.SCRIPTRUN.
        #expect(try c.call(Self.dag("AI.DAGRUN", [
            "|>", "AI.TENSORSET", "a", "FLOAT", 2, "VALUES", 1, 2,
            "|>", "AI.SCRIPTRUN", "old", "bar", "INPUTS", "a", "a", "OUTPUTS", "b",
            "|>", "AI.TENSORGET", "b", "VALUES",
        ])) == .array([Self.ok, Self.ok, .array([bulk("2"), bulk("4")])]))
        // A raised exception is the op's error; the ops after it are not run.
        let reply = try c.call(Self.dag("AI.DAGEXECUTE", [
            "PERSIST", 1, "out",
            "|>", "AI.TENSORSET", "pos", "FLOAT", 2, "VALUES", 1, 2,
            "|>", "AI.SCRIPTEXECUTE", "s", "fails", "INPUTS", 1, "pos", "OUTPUTS", 1, "out",
            "|>", "AI.SCRIPTEXECUTE", "s", "fails", "INPUTS", 1, "out", "OUTPUTS", 1, "out2",
        ]))
        let parts = reply.array ?? []
        #expect(parts.count == 3, "\(reply)")
        if parts.count == 3 {
            #expect(parts[0] == Self.ok)
            #expect(Torch.isError(parts[1], containing: "ValueError: the sum is positive"), "\(parts[1])")
            #expect(parts[2] == Self.na)
        }
        #expect(try c.call("EXISTS", "out") == .integer(0))
        let info = try c.call("AI.INFO", "s").array ?? []
        #expect(info[15] == .integer(2))
        #expect(info[17] == .integer(1))
    }

    /// Thousands of malformed DAGs (valid DAGs with random tokens replaced, removed or
    /// inserted, seeded): each gets one reply, the server never crashes, and
    /// `COMMAND GETKEYS` on them never does either.
    @Test func malformedDAGsNeverCrash() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel()) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "a", "FLOAT", 1, 4, "VALUES", 1, 2, 3, 4) == Self.ok)
        #expect(try c.call("SET", "str", "v") == Self.ok)
        let templates: [[String]] = [
            ["AI.DAGEXECUTE", "LOAD", "1", "a", "PERSIST", "1", "o", "|>", "AI.MODELEXECUTE", "m", "INPUTS", "1", "a",
             "OUTPUTS", "1", "o", "|>", "AI.TENSORGET", "o", "VALUES"],
            ["AI.DAGEXECUTE_RO", "ROUTING", "r", "TIMEOUT", "10000", "|>", "AI.TENSORSET", "t", "INT8", "2", "VALUES", "1", "2",
             "|>", "AI.TENSORGET", "t", "META", "BLOB"],
            ["AI.DAGRUN", "LOAD", "1", "a", "|>", "AI.MODELRUN", "m", "INPUTS", "a", "OUTPUTS", "y", "|>", "AI.TENSORGET", "y"],
            ["AI.DAGRUN_RO", "|>", "AI.TENSORSET", "s", "STRING", "2", "VALUES", "x", "y", "|>", "AI.TENSORGET", "s", "VALUES"],
            ["AI.DAGEXECUTE", "PERSIST", "2", "p", "q", "|>", "AI.TENSORSET", "p", "FLOAT", "1", "4", "|>", "AI.SCRIPTEXECUTE",
             "s", "f", "KEYS", "1", "k", "INPUTS", "1", "p", "ARGS", "1", "x", "OUTPUTS", "1", "q"],
        ]
        let vocabulary: [String] = [
            "|>", "LOAD", "PERSIST", "ROUTING", "TIMEOUT", "AI.TENSORSET", "AI.TENSORGET", "AI.MODELEXECUTE",
            "AI.SCRIPTEXECUTE", "AI.MODELRUN", "AI.SCRIPTRUN", "a", "m", "str", "o", "FLOAT", "STRING", "BOOL",
            "VALUES", "BLOB", "META", "INPUTS", "OUTPUTS", "KEYS", "ARGS", "$", "0", "1", "2", "4", "-1",
            "99999999999999999999", "9223372036854775807", "-9223372036854775808", "", "\u{0}", "1.5",
        ]
        var random = SplitMix64(seed: 0xDA6)
        func pick(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
        var kinds: Set<String> = []
        for _ in 0..<3000 {
            var command = templates[pick(templates.count)]
            for _ in 0..<pick(4) {
                let at = 1 + pick(command.count - 1)
                switch pick(3) {
                case 0: command[at] = vocabulary[pick(vocabulary.count)]
                case 1: if command.count > 2 { command.remove(at: at) }
                default: command.insert(vocabulary[pick(vocabulary.count)], at: at)
                }
            }
            let arguments = command.map { $0 as any CommandArgument }
            switch try c.call(arguments) {
            case .error: kinds.insert("error")
            case .array: kinds.insert("array")
            case .simpleString("TIMEDOUT"): kinds.insert("timed out")
            case let reply: Issue.record("unexpected reply \(reply) to \(command)")
            }
            switch try c.call(["COMMAND", "GETKEYS"] + arguments) {
            case .array, .error: break
            case let keys: Issue.record("GETKEYS replied \(keys) to \(command)")
            }
        }
        #expect(kinds.isSuperset(of: ["error", "array"]), "some mutated DAGs ran, others were refused")
        #expect(try c.call("PING") == .simpleString("PONG"))
        #expect(try c.call("GET", "str") == bulk("v"))
        #expect(try c.infoField("clients", "blocked_clients") == "0")
    }
}

/// A small seeded generator (SplitMix64), so a failing fuzz case can be replayed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
