import Glibc
import RESP
import Testing
import TandemTesting

/// Key positions for Redis Cluster: fixed triples, the getkeys-api of
/// `AI.MODELEXECUTE`/`AI.MODELRUN`, and slot checks on a one-node cluster.
@Suite(.needsModule) struct KeyPositionsTests {
    static func keys(_ c: RedisConnection, _ command: [any CommandArgument]) throws -> RESPValue {
        try c.call(["COMMAND", "GETKEYS"] + command)
    }

    @Test func commandGetKeys() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        let cases: [([any CommandArgument], [String])] = [
            (["AI.TENSORSET", "t", "FLOAT", 1], ["t"]),
            (["AI.TENSORGET", "t", "META"], ["t"]),
            (["AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", "x"], ["m"]),
            (["AI.MODELGET", "m"], ["m"]),
            (["AI.MODELDEL", "m"], ["m"]),
            (["AI.INFO", "m"], ["m"]),
            (["AI.MODELEXECUTE", "m", "INPUTS", 2, "a", "b", "OUTPUTS", 1, "c", "TIMEOUT", 5], ["m", "a", "b", "c"]),
            (["AI.MODELEXECUTE", "m", "INPUTS", 1, "a", "OUTPUTS", 3, "c", "d"], ["m", "a", "c", "d"]),
            (["AI.MODELEXECUTE", "m", "INPUTS", "9223372036854775807", "a", "b", "c", "d"], ["m", "a", "b", "c", "d"]),
            (["AI.MODELEXECUTE", "m", "INPUTS", -3, "a", "b", "c", "d"], ["m"]),
            (["AI.MODELRUN", "m", "INPUTS", "a", "b", "OUTPUTS", "c"], ["m", "a", "b", "c"]),
            (["AI.MODELRUN", "m", "TIMEOUT", 9, "INPUTS", "a", "OUTPUTS", "c", "d"], ["m", "a", "c", "d"]),
        ]
        for (command, expected) in cases {
            #expect(try Self.keys(c, command) == .array(expected.map(bulk)),
                    "\(command.map { String(decoding: $0.commandBytes, as: UTF8.self) })")
        }
        let info = try #require(try c.call("COMMAND", "INFO", "ai.modelexecute").array?.first?.array)
        #expect(info[2].array?.contains(.simpleString("movablekeys")) == true)
    }

    @Test func clusterSlotChecks() throws {
        // The cluster bus uses port + 10000, so the port must be at most 55535.
        var port = try TestEnvironment.freePort()
        for _ in 0..<100 where port > 55535 { port = try TestEnvironment.freePort() }
        let server = try RedisServer.start(loadModule: (Peers.module(), []),
                                           extraArguments: ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"],
                                           port: port)
        let c = try server.connect()
        #expect(try c.call("CLUSTER", "ADDSLOTSRANGE", 0, 16383) == .simpleString("OK"))
        #expect(try TestEnvironment.waitUntil { try c.call("CLUSTER", "INFO").string?.contains("cluster_state:ok") == true })
        #expect(try c.call("AI.MODELSTORE", "m{7}", "ONNX", "CPU", "BLOB", tinyModel()) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "in{7}", "FLOAT", 1, 4) == .simpleString("OK"))
        // Same hash tag: runs.
        #expect(try c.call("AI.MODELEXECUTE", "m{7}", "INPUTS", 1, "in{7}", "OUTPUTS", 1, "out{7}") == .simpleString("OK"))
        let crossSlot = RESPValue.error("CROSSSLOT Keys in request don't hash to the same slot")
        #expect(try c.call("AI.MODELEXECUTE", "m{7}", "INPUTS", 1, "in{7}", "OUTPUTS", 1, "out{8}") == crossSlot)
        #expect(try c.call("AI.MODELRUN", "m{7}", "INPUTS", "in{9}", "OUTPUTS", "out{7}") == crossSlot)
    }
}
