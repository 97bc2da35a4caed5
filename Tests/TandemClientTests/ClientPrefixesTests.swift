import Testing
import RESP
import TandemClient
import TandemTesting

/// Ensemble key prefixing (see “Key prefixing” in Documentation/SmartRedisWire.md) against a real
/// `redis-server`: the keys SmartRedis was observed to send with `SSKEYOUT=out1 SSKEYIN=in1,,in2,`.
@Suite struct ClientPrefixesTests {
    static let prefixes = KeyPrefixConfiguration(output: "out1", inputs: ["in1", "", "in2", ""])

    @Test func keysMatchTheCapturedSequence() throws {
        let server = try Peers.plainServer()
        let client = try server.client(prefixes: Self.prefixes)
        #expect(client.dataSource == "in1")
        #expect(client.dataSources == ["in1", "in2"])
        let recorder = try CommandRecorder(server)
        var ds = Dataset(name: "ds")
        try ds.addMetaString("m", "v")
        _ = try client.tensorExists("t")
        _ = try client.keyExists("t")
        try client.putDataset(ds)
        _ = try client.datasetExists("ds")
        try client.appendToList("L", dataset: ds)
        _ = try client.getListLength("L")
        _ = try client.getDatasetsFromList("L")
        _ = try client.modelExists("pm")
        client.useModelEnsemblePrefix(true)
        _ = try client.modelExists("pm3")
        try client.setDataSource("in2")
        _ = try client.tensorExists("t")
        client.useDatasetEnsemblePrefix(false)
        try client.appendToList("L", datasetNamed: "ds")
        client.useListEnsemblePrefix(false)
        try client.appendToList("L", datasetNamed: "ds")
        client.useTensorEnsemblePrefix(false)
        _ = try client.tensorExists("t2")
        #expect(try recorder.lines() == [
            "EXISTS in1.t",
            "EXISTS t",
            "DEL out1.{ds}.meta",
            "HMSET out1.{ds}.meta m \\x07\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00v",
            "HSET out1.{ds}.meta .COMPLETE 1",
            "HEXISTS in1.{ds}.meta .COMPLETE",
            "RPUSH out1.L out1.{ds}",
            "LLEN in1.L",
            "LRANGE in1.L 0 -1",
            "EXISTS pm",
            "EXISTS in1.pm3",
            "EXISTS in2.t",
            "RPUSH out1.L {ds}",
            "RPUSH L {ds}",
            "EXISTS t2",
        ])
    }

    @Test func readersSeeWritersThroughTheirPrefix() throws {
        let server = try Peers.plainServer()
        let writer = try server.client(prefixes: KeyPrefixConfiguration(output: "sim_0"))
        let reader = try server.client(prefixes: KeyPrefixConfiguration(inputs: ["sim_1", "sim_0"]))
        var ds = Dataset(name: "sim_data_0")
        try ds.addMetaScalar("step", 3)
        try writer.putDataset(ds)
        try writer.appendToList("training_data", dataset: ds)
        #expect(try !reader.datasetExists("sim_data_0"), "the data source is sim_1 first")
        try reader.setDataSource("sim_0")
        #expect(try reader.datasetExists("sim_data_0"))
        #expect(try reader.getDatasetsFromList("training_data").first?.metaScalars("step", as: Int.self) == [3])
        #expect(try reader.getListLength("training_data") == 1)
    }

    @Test func unknownDataSourcesAreRefused() throws {
        let server = try Peers.plainServer()
        let client = try server.client(prefixes: Self.prefixes)
        do {
            try client.setDataSource("IN1")
            Issue.record("data sources are case-sensitive")
        } catch {
            #expect(error.message.hasPrefix("Client error: data source IN1 could not be found during client initialization"))
        }
        let plain = try server.client()
        #expect(throws: ClientError.self) { try plain.setDataSource("in1") }
        #expect(plain.dataSource == nil)
    }

    @Test func copyListReplacesThePutPrefixedDestination() throws {
        // SmartRedis deletes `other.dst` but writes `me.dst` (see “Aggregation lists” in
        // Documentation/SmartRedisWire.md); Tandem deletes what it writes.
        let server = try Peers.plainServer()
        let client = try server.client(prefixes: KeyPrefixConfiguration(output: "me", inputs: ["other"]))
        let raw = try server.connect()
        try raw.send("RPUSH", "other.src", "other.{x}")
        try raw.send("RPUSH", "me.dst", "stale")
        let recorder = try CommandRecorder(server)
        try client.copyList("src", to: "dst")
        #expect(try recorder.lines() == ["LRANGE other.src 0 -1", "DEL me.dst", "RPUSH me.dst other.{x}"])
        #expect(try raw.send("LRANGE", "me.dst", "0", "-1") == .array([.bulkString(Array("other.{x}".utf8))]))
    }
}
