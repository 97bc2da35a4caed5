import Foundation
import RESP
import Testing
import TandemTesting

/// TORCH models and scripts survive `DEBUG RELOAD`, `SAVE` + restart, an AOF rewrite +
/// restart, `DUMP`/`RESTORE` and replication, and still run like PyTorch afterwards.
@Suite(.needsModule) struct TorchPersistenceTests {
    /// Stores a model and two scripts (one with entry points, one without).
    static func populate(_ c: RedisConnection, _ fixtures: TorchFixtures) throws {
        #expect(try c.call("AI.MODELSTORE", "cnn", "TORCH", "CPU", "TAG", "t", "BLOB", try fixtures.file("cnn.pt")) == .simpleString("OK"))
        #expect(try c.call("AI.SCRIPTSTORE", "s", "CPU", "TAG", "v2", "ENTRY_POINTS", 1, "scale", "SOURCE", try fixtures.file("script.py"))
                == .simpleString("OK"))
        #expect(try c.call("AI.SCRIPTSET", "old", "CPU", "SOURCE", try fixtures.file("script.py")) == .simpleString("OK"))
        try Torch.set(c, "x", fixtures.inputs["cnn"]![0])
        try Torch.set(c, "p", fixtures.inputs["scale"]![0])
        try Torch.set(c, "q", fixtures.inputs["scale"]![1])
    }

    /// Runs all three and compares with PyTorch.
    static func verify(_ c: RedisConnection, _ fixtures: TorchFixtures) throws {
        #expect(try c.call("AI.MODELEXECUTE", "cnn", "INPUTS", 1, "x", "OUTPUTS", 1, "y") == .simpleString("OK"))
        #expect(try Torch.difference(c, "y", fixtures.outputs["cnn"]![0]) <= 1e-5)
        #expect(try c.call("AI.SCRIPTEXECUTE", "s", "scale", "INPUTS", 2, "p", "q", "ARGS", 1, "2.5", "OUTPUTS", 2, "o1", "o2") == .simpleString("OK"))
        #expect(try Torch.difference(c, "o1", fixtures.outputs["scale"]![0]) <= 1e-6)
        #expect(try Torch.difference(c, "o2", fixtures.outputs["scale"]![1]) <= 1e-6)
        #expect(try c.call("AI.SCRIPTRUN", "old", "bar", "INPUTS", "p", "q", "OUTPUTS", "b") == .simpleString("OK"))
        #expect(try Torch.difference(c, "b", fixtures.outputs["bar"]![0]) <= 1e-6)
        #expect(try c.call("AI.SCRIPTGET", "s", "META") == .array([bulk("device"), bulk("CPU"), bulk("tag"), bulk("v2"), bulk("Entry Points"), .array([bulk("scale")])]))
        #expect(try c.call("AI.INFO", "s").array?[3] == bulk("SCRIPT"))
        #expect(try c.call("AI.INFO", "cnn").array?[9] == bulk("t"))
    }

    @Test func debugReloadAndRestartFromRDB() throws {
        let fixtures = try Torch.fixtures()
        let server = try Torch.lazyServer()
        let c = try server.connect()
        try Self.populate(c, fixtures)
        #expect(try c.call("DEBUG", "RELOAD") == .simpleString("OK"))
        try Self.verify(c, fixtures)
        #expect(try c.call("SAVE") == .simpleString("OK"))
        // A fresh process: the backend loads again from BACKENDSPATH while the RDB loads.
        let restarted = try server.restart()
        try Self.verify(try restarted.connect(), fixtures)
    }

    @Test func aofRewriteAndRestartFromAOF() throws {
        let fixtures = try Torch.fixtures()
        let server = try Torch.server(extra: ["--appendonly", "yes", "--aof-use-rdb-preamble", "no"])
        let c = try server.connect()
        try Self.populate(c, fixtures)
        #expect(try c.call("BGREWRITEAOF").string?.isEmpty == false)
        let done = try TestEnvironment.waitUntil(seconds: 60) {
            try c.infoField("persistence", "aof_rewrite_in_progress") == "0"
                && c.infoField("persistence", "aof_rewrite_scheduled") == "0"
        }
        #expect(done)
        let aof = try aofText(server)
        #expect(aof.contains("AI.SCRIPTSTORE"))
        #expect(aof.contains("AI.SCRIPTSET"))
        #expect(aof.contains("AI.MODELSTORE"))
        let restarted = try server.restart()
        try Self.verify(try restarted.connect(), fixtures)
    }

    @Test func dumpRestoreAndReplication() throws {
        let fixtures = try Torch.fixtures()
        let master = try Torch.server(extra: ["--repl-diskless-sync-delay", "0"])
        let c = try master.connect()
        try Self.populate(c, fixtures)
        let dump = try #require(try c.call("DUMP", "s").bytes)
        // Type MODULE_2, then the module type id of AI_SCRIPT version 4 (RedisAI's).
        #expect(Array(dump.prefix(10)) == [0x07, 0x81, 0x00, 0x8F, 0xD2, 0x09, 0x12, 0x0F, 0x4C, 0x04])
        #expect(try c.call("RESTORE", "s-copy", 0, dump) == .simpleString("OK"))
        #expect(try c.call("AI.SCRIPTGET", "s-copy") == c.call("AI.SCRIPTGET", "s"))
        #expect(try c.call("AI.SCRIPTEXECUTE", "s-copy", "scale", "INPUTS", 2, "p", "q", "ARGS", 1, "2.5", "OUTPUTS", 2, "c1", "c2") == .simpleString("OK"))
        #expect(try Torch.difference(c, "c1", fixtures.outputs["scale"]![0]) <= 1e-6)
        // A payload cut short is refused, nothing stored.
        let cut = try c.call("RESTORE", "cut", 0, Array(dump.prefix(dump.count / 2)))
        guard case .error = cut else { Issue.record("restored half a payload: \(cut)"); return }

        let replica = try Torch.server(extra: ["--replicaof", "127.0.0.1", "\(master.port)"])
        let r = try replica.connect()
        #expect(try c.call("AI.SCRIPTDEL", "old") == .simpleString("OK"))
        #expect(try c.call("AI.SCRIPTSET", "late", "CPU", "SOURCE", "def f(a):\n    return a * 3\n") == .simpleString("OK"))
        #expect(try c.call("AI.SCRIPTRUN", "late", "f", "INPUTS", "p", "OUTPUTS", "tripled") == .simpleString("OK"))
        let synced = try TestEnvironment.waitUntil(seconds: 60) {
            try r.infoField("replication", "master_link_status") == "up" && r.call("EXISTS", "tripled") == .integer(1)
        }
        #expect(synced, "replica did not catch up:\n\(replica.log.suffix(2000))")
        #expect(try r.call("AI.SCRIPTGET", "s", "SOURCE") == .bulkString(try fixtures.file("script.py")))
        #expect(try r.call("AI.SCRIPTGET", "late", "SOURCE") == bulk("def f(a):\n    return a * 3\n"))
        #expect(try r.call("EXISTS", "old") == .integer(0))
        #expect(try r.call("AI.TENSORGET", "tripled", "BLOB") == c.call("AI.TENSORGET", "tripled", "BLOB"))
        #expect(try r.call("AI.MODELGET", "cnn", "BLOB") == .bulkString(try fixtures.file("cnn.pt")))
    }
}
