import Foundation
import RESP
import Testing
import TandemTesting

/// Tensors and models survive `DEBUG RELOAD`, `SAVE` + restart, an AOF rewrite + restart,
/// `DUMP`/`RESTORE` (RedisAI's encoding version 4) and replication.
@Suite(.needsModule) struct PersistenceTests {
    /// Writes one tensor per dtype and two models; returns the replies that must not change.
    static func populate(_ c: RedisConnection) throws -> [([any CommandArgument], RESPValue)] {
        var checks: [([any CommandArgument], RESPValue)] = []
        for (i, sample) in TensorSetTests.samples.enumerated() {
            #expect(try c.call(["AI.TENSORSET", "t\(i)", sample.dtype] + sample.shape + ["BLOB", sample.blob]) == .simpleString("OK"))
            checks.append((["AI.TENSORGET", "t\(i)", "META", "BLOB"], try c.call("AI.TENSORGET", "t\(i)", "META", "BLOB")))
            checks.append((["AI.TENSORGET", "t\(i)", "VALUES"], .array(sample.reply)))
        }
        #expect(try c.call("AI.TENSORSET", "scalar", "DOUBLE", "VALUES", "-0.5") == .simpleString("OK"))
        checks.append((["AI.TENSORGET", "scalar", "META", "VALUES"], try c.call("AI.TENSORGET", "scalar", "META", "VALUES")))
        let blob = sizedModel(2500)
        #expect(try c.call("AI.MODELSTORE", "m{1}", "ONNX", "GPU:1", "TAG", [0, 1, 2], "BATCHSIZE", 8, "MINBATCHSIZE", 2,
                           "MINBATCHTIMEOUT", 5, "BLOB", Array(blob[0..<1000]), Array(blob[1000...])) == .simpleString("OK"))
        #expect(try c.call("AI.MODELSTORE", "m2", "onnx", "cpu", "BLOB", tinyModel()) == .simpleString("OK"))
        checks.append((["AI.MODELGET", "m{1}", "META", "BLOB"], try c.call("AI.MODELGET", "m{1}", "META", "BLOB")))
        checks.append((["AI.MODELGET", "m{1}", "BLOB"], .bulkString(blob)))
        checks.append((["AI.MODELGET", "m2"], try c.call("AI.MODELGET", "m2")))
        checks.append((["TYPE", "m2"], .simpleString("AI__MODEL")))
        checks.append((["DBSIZE"], .integer(Int64(TensorSetTests.samples.count + 3))))
        return checks
    }

    static func verify(_ c: RedisConnection, _ checks: [([any CommandArgument], RESPValue)]) throws {
        for (command, expected) in checks {
            #expect(try c.call(command) == expected, "\(command.map { String(decoding: $0.commandBytes, as: UTF8.self) })")
        }
        // The statistics entries come back with the models.
        let info = try c.call("AI.INFO", "m{1}")
        #expect(info.array?.count == 18)
        #expect(info.array?[9] == .bulkString([0, 1, 2]))
    }

    @Test func debugReload() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        let checks = try Self.populate(c)
        #expect(try c.call("DEBUG", "RELOAD") == .simpleString("OK"))
        try Self.verify(c, checks)
    }

    @Test func saveAndRestartFromRDB() throws {
        let server = try Peers.moduleServer()
        let checks = try Self.populate(try server.connect())
        #expect(try server.connect().call("SAVE") == .simpleString("OK"))
        let restarted = try server.restart()
        try Self.verify(try restarted.connect(), checks)
    }

    @Test func backgroundSaveInAForkedChild() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        let checks = try Self.populate(c)
        // Keep the workers busy while the child writes the RDB.
        for _ in 0..<20 { _ = try c.call("AI.MODELEXECUTE", "m2", "INPUTS", 1, "t0", "OUTPUTS", 1, "out") }
        #expect(try c.call("BGSAVE") == .simpleString("Background saving started"))
        #expect(try TestEnvironment.waitUntil { try c.infoField("persistence", "rdb_bgsave_in_progress") == "0" })
        #expect(try c.infoField("persistence", "rdb_last_bgsave_status") == "ok")
        let restarted = try server.restart()
        try Self.verify(try restarted.connect(), checks)
    }

    @Test func aofRewriteAndRestartFromAOF() throws {
        let server = try Peers.moduleServer(extra: ["--appendonly", "yes", "--aof-use-rdb-preamble", "no"])
        let c = try server.connect()
        let checks = try Self.populate(c)
        #expect(try c.call("BGREWRITEAOF").string?.contains("rewriting") == true)
        #expect(try TestEnvironment.waitUntil {
            try c.infoField("persistence", "aof_rewrite_in_progress") == "0"
                && c.infoField("persistence", "aof_rewrite_scheduled") == "0"
        })
        #expect(try c.infoField("persistence", "aof_last_bgrewrite_status") == "ok")
        let aof = try aofText(server)
        #expect(aof.contains("AI.TENSORSET"))
        #expect(aof.contains("AI.MODELSTORE"))
        #expect(aof.contains("MINBATCHTIMEOUT"))
        let restarted = try server.restart()
        try Self.verify(try restarted.connect(), checks)
    }

    @Test func dumpIsRedisAIsEncodingAndRestores() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.TENSORSET", "t", "INT32", 2, 1, "VALUES", 1, 2) == .simpleString("OK"))
        let dump = try #require(try c.call("DUMP", "t").bytes)
        // Type MODULE_2, the module type id of AI_TENSOR version 4, then RedisAI's body.
        #expect(Array(dump.prefix(10)) == [0x07, 0x81, 0x00, 0x8F, 0xD3, 0x10, 0xD4, 0x8E, 0x44, 0x04])
        let body: [UInt8] = [0x02, 0x00, 0x02, 0x20, 0x02, 0x02, 0x02, 0x02, 0x02, 0x01,
                             0x05, 0x08, 0x01, 0, 0, 0, 0x02, 0, 0, 0, 0x00]
        #expect(Array(dump[10..<(10 + body.count)]) == body)
        // Our CRC64 agrees with Redis's, so crafted payloads below carry a valid checksum.
        #expect(DumpPayload.tensor(body: body) == dump)
        #expect(try c.call("RESTORE", "copy", 0, dump) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "copy", "VALUES") == .array([.integer(1), .integer(2)]))

        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel("xyz")) == .simpleString("OK"))
        let model = try #require(try c.call("DUMP", "m").bytes)
        #expect(Array(model.prefix(10)) == [0x07, 0x81, 0x00, 0x8F, 0xFF, 0x30, 0xE0, 0xC4, 0x2C, 0x04])
        #expect(try c.call("RESTORE", "m2", 0, model) == .simpleString("OK"))
        #expect(try c.call("AI.MODELGET", "m2", "BLOB") == .bulkString(tinyModel("xyz")))
        #expect(try c.call("AI.INFO", "m2").array?.count == 18)
    }

    /// A STRING tensor payload as RedisAI writes it (code 7, element offsets after the data).
    @Test func restoresRedisAIStringTensors() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        var body = DumpPayload.unsigned(7) + DumpPayload.unsigned(8) + DumpPayload.unsigned(1) + DumpPayload.unsigned(2)
        body += DumpPayload.string(Array("ab\0c\0".utf8)) + DumpPayload.unsigned(0) + DumpPayload.unsigned(3) + [0]
        #expect(try c.call("RESTORE", "s", 0, DumpPayload.tensor(body: body)) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "s", "META", "VALUES") == .array([
            bulk("dtype"), bulk("STRING"), bulk("shape"), .array([.integer(2)]), bulk("values"), .array([bulk("ab"), bulk("c")]),
        ]))
        #expect(try c.call("DUMP", "s").bytes == DumpPayload.tensor(body: body))
    }

    /// Malformed payloads with valid checksums: each is refused, nothing traps.
    @Test func malformedPayloadsAreRefused() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        typealias P = DumpPayload
        let data8 = P.string([1, 0, 0, 0, 2, 0, 0, 0])
        let bodies: [[UInt8]] = [
            P.unsigned(9) + P.unsigned(32) + P.unsigned(1) + P.unsigned(2) + data8 + [0],             // unknown dtype code
            P.unsigned(0) + P.unsigned(24) + P.unsigned(1) + P.unsigned(2) + data8 + [0],             // unknown bit width
            P.unsigned(0) + P.unsigned(32) + P.signed(-1) + data8 + [0],                              // negative ndims
            P.unsigned(0) + P.unsigned(32) + P.unsigned(1) + P.signed(0) + data8 + [0],               // zero dim
            P.unsigned(0) + P.unsigned(32) + P.unsigned(1) + P.unsigned(3) + data8 + [0],             // length mismatch
            P.unsigned(0) + P.unsigned(32) + P.unsigned(2) + P.signed(Int64.max) + P.signed(Int64.max) + data8 + [0],
            P.unsigned(0) + P.unsigned(32) + P.unsigned(1000000) + P.unsigned(2) + [0],               // truncated dims
            P.unsigned(0) + P.unsigned(32) + P.unsigned(1) + P.unsigned(2) + [0],                     // no data
            P.unsigned(6) + P.unsigned(8) + P.unsigned(1) + P.unsigned(2) + P.string([1, 2]) + [0],   // BOOL 2
            P.unsigned(7) + P.unsigned(8) + P.unsigned(1) + P.unsigned(2) + P.string([65, 0, 66]) + P.unsigned(0) + P.unsigned(2) + [0],
            P.unsigned(7) + P.unsigned(8) + P.unsigned(1) + P.unsigned(2) + P.string([65, 0, 66, 0]) + [0],  // offsets missing
        ]
        for (i, body) in bodies.enumerated() {
            let reply = try c.call("RESTORE", "bad\(i)", 0, P.tensor(body: body))
            #expect(reply == .error("ERR Bad data format"), "payload \(i): \(reply)")
        }
        let models: [[UInt8]] = [
            P.unsigned(9) + P.string(Array("CPU\0".utf8)) + [0],                                     // unknown backend
            P.unsigned(3) + P.string(Array("CPU\0".utf8)) + P.string([]) + P.unsigned(0) + P.unsigned(0) + P.unsigned(0)
                + P.unsigned(0) + P.unsigned(0) + P.unsigned(3) + P.unsigned(1) + P.string([1, 2]) + [0],   // short blob
            P.unsigned(3) + P.string(Array("CPU\0".utf8)) + P.string([]) + P.unsigned(0) + P.unsigned(0) + P.unsigned(0)
                + P.unsigned(0) + P.unsigned(0) + P.unsigned(2) + P.unsigned(1_000_000) + P.string([1, 2]) + [0],  // huge chunk count
            P.unsigned(3) + P.string(Array("CPU\0".utf8)) + P.string([]) + P.unsigned(0) + P.unsigned(0) + P.unsigned(0)
                + P.unsigned(1 << 40) + [0],                                                          // huge name count
        ]
        for (i, body) in models.enumerated() {
            let reply = try c.call("RESTORE", "badm\(i)", 0, P.model(body: body))
            #expect(reply == .error("ERR Bad data format"), "model payload \(i): \(reply)")
        }
        // Older encoding versions are refused too.
        let v3 = P.payload(moduleID: 0x008F_D310_D48E_4403, body: P.unsigned(0) + P.unsigned(32) + P.unsigned(1) + P.unsigned(2) + data8 + [0])
        #expect(try c.call("RESTORE", "v3", 0, v3) == .error("ERR Bad data format"))
        #expect(try c.call("PING") == .simpleString("PONG"))
        #expect(try c.call("DBSIZE") == .integer(0))
    }

    @Test func copyAndRenameKeepValues() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.TENSORSET", "a", "FLOAT", 2, "VALUES", 1, 2) == .simpleString("OK"))
        #expect(try c.call("COPY", "a", "b") == .integer(1))
        #expect(try c.call("RENAME", "a", "c") == .simpleString("OK"))
        #expect(try c.call("DEL", "c") == .integer(1))
        #expect(try c.call("AI.TENSORGET", "b", "VALUES") == .array([bulk("1"), bulk("2")]))
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel("q")) == .simpleString("OK"))
        #expect(try c.call("COPY", "m", "m2") == .integer(1))
        #expect(try c.call("AI.MODELGET", "m2", "BLOB") == .bulkString(tinyModel("q")))
    }

    @Test func asyncFlushFreesOnTheLazyFreeThread() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        let before = try #require(Int(try c.infoField("memory", "used_memory") ?? ""))
        let blob = [UInt8](repeating: 7, count: 100_000)
        for i in 0..<200 { #expect(try c.call("AI.TENSORSET", "k\(i)", "UINT8", blob.count, "BLOB", blob) == .simpleString("OK")) }
        let full = try #require(Int(try c.infoField("memory", "used_memory") ?? ""))
        #expect(full - before > 20_000_000)
        #expect(try c.call("FLUSHALL", "ASYNC") == .simpleString("OK"))
        var now = full
        try TestEnvironment.waitUntil {
            now = Int(try c.infoField("memory", "used_memory") ?? "") ?? full
            return now - before < 2_000_000
        }
        #expect(now - before < 2_000_000)
        #expect(try c.call("PING") == .simpleString("PONG"))
    }

    @Test func replicaReceivesTensorsAndModels() throws {
        // Redis 7 waits `repl-diskless-sync-delay` (5 s) before a full sync: not here.
        let master = try Peers.moduleServer(extra: ["--repl-diskless-sync-delay", "0"])
        let c = try master.connect()
        #expect(try c.call("AI.TENSORSET", "before", "INT16", 2, "VALUES", -3, 4) == .simpleString("OK"))
        let replica = try Peers.moduleServer(extra: ["--replicaof", "127.0.0.1", "\(master.port)"])
        let r = try replica.connect()
        // Full sync (RDB load on the replica), then the command stream.
        #expect(try c.call("AI.TENSORSET", "after", "FLOAT", 1, "VALUES", "0.5") == .simpleString("OK"))
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "TAG", "v", "BLOB", Array(tinyModel("abcdef")[..<7]), Array(tinyModel("abcdef")[7...])) == .simpleString("OK"))
        #expect(try c.call("AI.MODELDEL", "m") == .simpleString("OK"))
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "TAG", "w", "BLOB", tinyModel("ghi")) == .simpleString("OK"))
        // Wait on the condition (link up and the last write present), with a generous deadline.
        var synced = false
        let deadline = Date().addingTimeInterval(60)
        while !synced && Date() < deadline {
            usleep(10_000)
            synced = try r.infoField("replication", "master_link_status") == "up"
                && r.call("AI.MODELGET", "m", "BLOB") == .bulkString(tinyModel("ghi"))
        }
        #expect(synced, "replica did not receive the model:\n\(replica.log.suffix(2000))")
        #expect(try r.call("AI.TENSORGET", "before", "VALUES") == .array([.integer(-3), .integer(4)]))
        #expect(try r.call("AI.TENSORGET", "after", "VALUES") == .array([bulk("0.5")]))
        #expect(try r.call("AI.INFO", "m").array?[9] == bulk("w"))
    }
}

/// Builds `DUMP` payloads by hand (the layouts in “Data types and persistence” in
/// Documentation/RedisModule.md): type MODULE_2, module id, the opcodes of
/// `Save*`, EOF, RDB version 10, CRC64 (Jones, reflected) of all that.
enum DumpPayload {
    static func unsigned(_ value: UInt64) -> [UInt8] { [0x02] + length(value) }
    static func signed(_ value: Int64) -> [UInt8] { unsigned(UInt64(bitPattern: value)) }
    static func string(_ bytes: [UInt8]) -> [UInt8] { [0x05] + length(UInt64(bytes.count)) + bytes }

    static func tensor(body: [UInt8]) -> [UInt8] { payload(moduleID: 0x008F_D310_D48E_4404, body: body) }
    static func model(body: [UInt8]) -> [UInt8] { payload(moduleID: 0x008F_FF30_E0C4_2C04, body: body) }

    static func payload(moduleID: UInt64, body: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0x07] + length(moduleID) + body + [10, 0]
        let crc = crc64(bytes)
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: crc >> (8 * UInt64(i)))) }
        return bytes
    }

    /// Redis's length encoding.
    static func length(_ value: UInt64) -> [UInt8] {
        if value < 64 { return [UInt8(value)] }
        if value < 16384 { return [0x40 | UInt8(value >> 8), UInt8(value & 0xFF)] }
        if value <= UInt64(UInt32.max) { return [0x80] + (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * (3 - UInt64($0)))) } }
        return [0x81] + (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * (7 - UInt64($0)))) }
    }

    static func crc64(_ bytes: [UInt8]) -> UInt64 {
        var crc: UInt64 = 0
        for byte in bytes {
            crc ^= UInt64(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x95AC_9329_AC4B_C9B5 : crc >> 1 }
        }
        return crc
    }
}
