import Testing
import RESP
import TandemClient
import TandemTensor
import TandemTesting

/// Datasets against a real `redis-server`: keys, `.meta` bytes and command sequences as they
/// were recorded from SmartRedis (see “Datasets” in Documentation/SmartRedisWire.md). Metadata-only
/// datasets need no module.
@Suite struct ClientDatasetsTests {
    /// The metadata-only dataset whose stored form was recorded from SmartRedis (see “Datasets”
    /// in Documentation/SmartRedisWire.md).
    static func metaOnly() throws -> Dataset {
        var ds = Dataset(name: "meta_only")
        try ds.addMetaString("str_field", "hello")
        try ds.addMetaString("str_field", "world!")
        try ds.addMetaScalar("f64", 1.5)
        try ds.addMetaScalar("f32", Float(2.5))
        try ds.addMetaScalar("i64", 7)
        try ds.addMetaScalar("i64", -1)
        try ds.addMetaScalar("i32", Int32(-2))
        try ds.addMetaScalar("u32", UInt32(3))
        try ds.addMetaScalar("u64", (UInt64(1) << 63) + 5)
        return ds
    }

    @Test func putDatasetSendsSmartRedisCommands() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        let recorder = try CommandRecorder(server)
        try client.putDataset(try Self.metaOnly())
        let commands = try recorder.commands()
        #expect(commands.count == 3)
        #expect(commands[0] == [Array("DEL".utf8), Array("{meta_only}.meta".utf8)])
        #expect(commands[1].prefix(2) == [Array("HMSET".utf8), Array("{meta_only}.meta".utf8)])
        var fields: [String: [UInt8]] = [:]
        for i in stride(from: 2, to: commands[1].count, by: 2) { fields[String(decoding: commands[1][i], as: UTF8.self)] = commands[1][i + 1] }
        #expect(fields == [
            "u64": hex("06 0500000000000080"),
            "u32": hex("05 03000000"),
            "i64": hex("04 0700000000000000 ffffffffffffffff"),
            "f64": hex("01 000000000000f83f"),
            "i32": hex("03 feffffff"),
            "f32": hex("02 00002040"),
            "str_field": hex("07 0500000000000000 68656c6c6f 0600000000000000 776f726c6421"),
        ])
        #expect(commands[2] == ["HSET", "{meta_only}.meta", ".COMPLETE", "1"].map { Array($0.utf8) })
    }

    @Test func storedHashMatchesWhatSmartRedisStores() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        var cfg = Dataset(name: "cfg")
        try cfg.addMetaString("name", "run-7")
        try cfg.addMetaScalar("step", 42)
        try cfg.addMetaScalar("dt", Float(0.5))
        try client.putDataset(cfg)
        let raw = try server.connect().send("HGETALL", "{cfg}.meta").array ?? []
        var stored: [String: [UInt8]] = [:]
        for i in stride(from: 0, to: raw.count, by: 2) { stored[raw[i].string ?? ""] = raw[i + 1].bytes }
        #expect(stored == [
            "dt": [2, 0, 0, 0, 0x3f],
            "step": [4, 42, 0, 0, 0, 0, 0, 0, 0],
            "name": [7, 5, 0, 0, 0, 0, 0, 0, 0] + Array("run-7".utf8),
            ".COMPLETE": Array("1".utf8),
        ])
    }

    @Test func roundTripKeepsEveryMetadataType() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        let ds = try Self.metaOnly()
        #expect(try !client.datasetExists("meta_only"))
        try client.putDataset(ds)
        #expect(try client.datasetExists("meta_only"))
        let back = try client.getDataset("meta_only")
        #expect(Set(back.metadataFieldNames) == Set(ds.metadataFieldNames))
        for name in ds.metadataFieldNames { #expect(try back.field(name) == ds.field(name), "\(name)") }
        #expect(try back.metaScalars("u64", as: UInt64.self) == [(UInt64(1) << 63) + 5])
        #expect(try back.metaStrings("str_field") == ["hello", "world!"])
        #expect(back.tensorNames.isEmpty)
    }

    @Test func missingDatasetsAreKeyErrorsWithTheKeyLookedUp() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        for action in [{ _ = try client.getDataset("nope") }, { try client.deleteDataset("nope") },
                       { try client.copyDataset("nope", to: "x") }] as [() throws -> Void] {
            do {
                try action()
                Issue.record("a missing dataset must throw")
            } catch let error as ClientError {
                #expect(error.code == .keyNotFound)
                #expect(error.message.contains("{nope}.meta"), "\(error.message)")
            }
        }
    }

    @Test func emptyDatasetsAreRefusedBeforeSending() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        let recorder = try CommandRecorder(server)
        do {
            try client.putDataset(Dataset(name: "empty"))
            Issue.record("an empty dataset must be refused")
        } catch {
            #expect(error.code == .invalidArgument)
        }
        #expect(try recorder.commands().isEmpty)
    }

    @Test func deleteCopyAndRename() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        try client.putDataset(try Self.metaOnly())
        try client.copyDataset("meta_only", to: "copy")
        #expect(try client.datasetExists("copy"))
        #expect(try client.getDataset("copy").field("u64") == Self.metaOnly().field("u64"))
        try client.renameDataset("copy", to: "renamed")
        #expect(try !client.datasetExists("copy"))
        #expect(try !client.keyExists("{copy}.meta"))
        #expect(try client.getDataset("renamed").metaStrings("str_field") == ["hello", "world!"])
        try client.deleteDataset("renamed")
        #expect(try !client.keyExists("{renamed}.meta"))
    }

    @Test func pollDatasetChecksTheGivenNumberOfTimes() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        let recorder = try CommandRecorder(server)
        #expect(try !client.pollDataset("late", intervalMilliseconds: 10, tries: 3))
        #expect(try recorder.lines() == Array(repeating: "HEXISTS {late}.meta .COMPLETE", count: 3))
        try client.putDataset(try Self.metaOnly())
        #expect(try client.pollDataset("meta_only", intervalMilliseconds: 10, tries: 3))
    }

    @Test func aFailedTensorNeverLeavesACompleteDataset() throws {
        // Without the module, AI.TENSORSET is an unknown command: the metadata is written,
        // the tensor is refused, and the dataset must not be acknowledged.
        let server = try Peers.plainServer()
        let client = try server.client()
        var ds = Dataset(name: "partial")
        try ds.addMetaScalar("n", 1)
        try ds.addTensor("x", [1, 2] as [Float], shape: [2])
        do {
            try client.putDataset(ds)
            Issue.record("the refused tensor must surface")
        } catch {
            #expect(error.code == .server)
            #expect(error.serverReply?.contains("unknown command") == true, "\(error)")
        }
        #expect(try !client.datasetExists("partial"))
        #expect(try server.connect().send("HEXISTS", "{partial}.meta", ".COMPLETE") == .integer(0))
    }
}
