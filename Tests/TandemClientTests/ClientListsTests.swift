import Testing
import RESP
import TandemClient
import TandemTesting

/// Aggregation lists against a real `redis-server` (see “Aggregation lists” in
/// Documentation/SmartRedisWire.md), with metadata-only datasets.
@Suite struct ClientListsTests {
    /// Stores `agg_0` … `agg_{n-1}` (field `i` = index) and appends each to `list`.
    static func fill(_ client: Client, _ list: String, count: Int) throws {
        for i in 0..<count {
            var ds = Dataset(name: "agg_\(i)")
            try ds.addMetaScalar("i", i)
            try client.putDataset(ds)
            #expect(try client.appendToList(list, dataset: ds) == i + 1)
        }
    }

    @Test func appendStoresDatasetKeys() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        let recorder = try CommandRecorder(server)
        #expect(try client.appendToList("mylist", datasetNamed: "agg_0") == 1)
        #expect(try recorder.lines() == ["RPUSH mylist {agg_0}"])
        #expect(try client.getListLength("mylist") == 1)
        #expect(try client.getListLength("missing") == 0)
    }

    @Test func rangesFollowRedisIndices() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        try Self.fill(client, "mylist", count: 3)
        func indices(_ start: Int, _ end: Int) throws -> [Int] {
            try client.getDatasetListRange("mylist", start: start, end: end).map { try $0.metaScalars("i", as: Int.self)[0] }
        }
        #expect(try indices(1, -1) == [1, 2])
        #expect(try indices(2, 1) == [])
        #expect(try indices(0, 100) == [0, 1, 2])
        #expect(try client.getDatasetsFromList("mylist").map(\.name) == ["agg_0", "agg_1", "agg_2"])
    }

    @Test func rangeFetchSendsOnePipelinePerStep() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        try Self.fill(client, "mylist", count: 3)
        let recorder = try CommandRecorder(server)
        _ = try client.getDatasetListRange("mylist", start: 1, end: -1)
        #expect(try recorder.lines() == ["LRANGE mylist 1 -1", "HGETALL {agg_1}.meta", "HGETALL {agg_2}.meta"])
        _ = try client.getDatasetListRange("mylist", start: 2, end: 1)
        #expect(try recorder.lines() == ["LRANGE mylist 2 1"], "nothing more is sent for an empty range")
    }

    @Test func pollingComparesTheLength() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        try Self.fill(client, "l", count: 2)
        let recorder = try CommandRecorder(server)
        #expect(try client.pollListLength("l", length: 2, intervalMilliseconds: 5, tries: 3))
        #expect(try !client.pollListLength("l", length: 3, comparison: .atLeast, intervalMilliseconds: 5, tries: 2))
        #expect(try client.pollListLength("l", length: 1, comparison: .atLeast, intervalMilliseconds: 5, tries: 2))
        #expect(try !client.pollListLength("l", length: 1, comparison: .atMost, intervalMilliseconds: 5, tries: 2))
        #expect(try client.pollListLength("l", length: 5, comparison: .atMost, intervalMilliseconds: 5, tries: 2))
        #expect(try recorder.lines() == Array(repeating: "LLEN l", count: 7))
        do {
            _ = try client.pollListLength("l", length: -1, intervalMilliseconds: 5, tries: 1)
            Issue.record("a negative length must be refused")
        } catch {
            #expect(error.code == .invalidArgument)
        }
    }

    @Test func copyRenameAndDelete() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        try Self.fill(client, "mylist", count: 3)
        let recorder = try CommandRecorder(server)
        try client.copyList("mylist", to: "mylist2")
        #expect(try recorder.lines() == ["LRANGE mylist 0 -1", "DEL mylist2", "RPUSH mylist2 {agg_0} {agg_1} {agg_2}"])
        try client.copyList("mylist", to: "mylist2")
        #expect(try client.getListLength("mylist2") == 3, "copying replaces the destination")
        try client.copyList("mylist", to: "mylist")
        _ = try recorder.lines()
        try client.renameList("mylist2", to: "moved")
        #expect(try client.getListLength("mylist2") == 0)
        #expect(try client.getDatasetsFromList("moved").count == 3)
        try client.deleteList("moved")
        try client.deleteList("moved")
        #expect(try client.getListLength("moved") == 0)
        #expect(try client.datasetExists("agg_0"), "deleting a list leaves its datasets")
        do {
            try client.copyList("absent", to: "x")
            Issue.record("copying a missing list must fail")
        } catch {
            #expect(error.code == .keyNotFound)
        }
        #expect(throws: ClientError.self) { try client.copyList("", to: "x") }
        #expect(throws: ClientError.self) { _ = try client.getDatasetsFromList("") }
    }

    @Test func badEntriesAndWrongTypesAreReported() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        let raw = try server.connect()
        try raw.send("RPUSH", "bad", "no_braces")
        do {
            _ = try client.getDatasetsFromList("bad")
            Issue.record("an entry without braces must fail")
        } catch {
            #expect(error.message.contains("{ character is missing"))
        }
        try raw.send("SET", "str", "x")
        do {
            _ = try client.getListLength("str")
            Issue.record("LLEN on a string must fail")
        } catch {
            #expect(error.code == .typeMismatch)
            #expect(error.serverReply?.hasPrefix("WRONGTYPE") == true)
        }
    }

    @Test func anEntryWhoseDatasetWasDeletedGivesAnEmptyDataset() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        try Self.fill(client, "l", count: 2)
        try client.deleteDataset("agg_0")
        let datasets = try client.getDatasetsFromList("l")
        #expect(datasets.map(\.name) == ["agg_0", "agg_1"])
        #expect(datasets[0].metadataFieldNames.isEmpty)
    }
}
