import Foundation
import Testing
import RESP
import TandemClient
import TandemTensor
import TandemTesting

/// Every TandemClient operation against a real local 3-shard Redis Cluster with TandemAI on
/// every shard: keys land on the shard that owns their slot, a dataset stays on one shard,
/// models have one copy per shard, and model runs work whichever shard holds the input.
@Suite(.enabled(if: Peers.moduleTestsEnabled)) struct ClusterClientTests {
    @Test func theClientReadsTheSlotMap() throws {
        let cluster = try Peers.moduleCluster()
        let client = try cluster.client(seed: cluster.addresses[1])
        #expect(client.isCluster)
        #expect(client.shards.map(\.slots) == [0...5460, 5461...10922, 10923...16383])
        #expect(client.shards.map(\.prefix) == [[0, 0], Array("8M".utf8), [0xED, 0xEB]])
        #expect(client.shardAddresses == cluster.addresses)
        #expect(client.shard(forKey: "b")?.address == cluster.addresses[0], "slot 3300")
        #expect(client.shard(forKey: "a")?.address == cluster.addresses[2], "slot 15495")
    }

    @Test func tensorsLiveOnTheShardOfTheirSlot() throws {
        let cluster = try Peers.moduleCluster()
        let client = try cluster.client()
        let names = keysOnEveryShard(client, stem: "t", perShard: 2).flatMap { $0 }
        for (index, name) in names.enumerated() {
            try client.putTensor(name, [Float(index), 1, 2, 3], shape: [2, 2])
        }
        for (index, name) in names.enumerated() {
            let owner = try cluster.ownerPort(of: name)
            #expect(try cluster.exists(Array(name.utf8), onPort: owner))
            #expect(try client.getTensor(name, as: Float.self) == ([2, 2], [Float(index), 1, 2, 3]))
            #expect(try client.tensorExists(name))
            #expect(try client.pollTensor(name, intervalMilliseconds: 5, tries: 2))
        }
        for port in cluster.addresses.map({ if case .tcp(_, let port) = $0 { port } else { 0 } }) {
            #expect(try cluster.keyCount(onPort: port) == 2, "two tensors per shard")
        }
        var buffer = [Float](repeating: 0, count: 4)
        try client.unpackTensor(names[0], into: &buffer, shape: [4])
        #expect(buffer == [0, 1, 2, 3])

        // Rename within a slot (RENAME) and across slots (copy, then unlink).
        try client.renameTensor(names[0], to: "{\(names[0])}.renamed")
        #expect(try !client.tensorExists(names[0]))
        #expect(try client.getTensor("{\(names[0])}.renamed", as: Float.self).scalars == [0, 1, 2, 3])
        try client.renameTensor("{\(names[0])}.renamed", to: names[5])
        #expect(try client.getTensor(names[5], as: Float.self).scalars == [0, 1, 2, 3])
        #expect(try !client.keyExists("{\(names[0])}.renamed"))
        try client.copyTensor(names[5], to: names[1])
        #expect(try client.getTensor(names[1], as: Float.self).scalars == [0, 1, 2, 3])
        do {
            try client.renameTensor("missing", to: "elsewhere")
            Issue.record("renaming a missing tensor must throw")
        } catch {
            #expect(error.code == .keyNotFound)
        }
        for name in names { try client.deleteTensor(name) }
        #expect(try names.allSatisfy { try !client.tensorExists($0) })
        #expect(try !client.pollKey(names[1], intervalMilliseconds: 5, tries: 2))
    }

    @Test func aDatasetStaysOnOneShard() throws {
        let cluster = try Peers.moduleCluster()
        let client = try cluster.client(prefixes: KeyPrefixConfiguration(output: "sim", inputs: ["sim"]))
        var dataset = Dataset(name: "state")
        try dataset.addTensor("u", Tensor(shape: [4, 4], scalars: (0..<16).map(Float.init)))
        try dataset.addTensor("steps", Tensor(shape: [2], scalars: [Int64(3), 4]))
        try dataset.addMetaScalar("time", 1.5 as Double)
        try dataset.addMetaString("run", "r1")
        try client.putDataset(dataset)
        #expect(try client.datasetExists("state"))
        #expect(try client.pollDataset("state", intervalMilliseconds: 5, tries: 2))

        let owner = try cluster.ownerPort(of: "{state}")
        for key in ["sim.{state}.meta", "sim.{state}.u", "sim.{state}.steps"] {
            #expect(try cluster.exists(Array(key.utf8), onPort: owner), "\(key) on the shard of {state}")
        }
        #expect(try client.getDataset("state") == dataset)

        try client.copyDataset("state", to: "copy")
        #expect(try cluster.exists(Array("sim.{copy}.u".utf8), onPort: try cluster.ownerPort(of: "copy")))
        #expect(try client.getDataset("copy").tensor("u") == dataset.tensor("u"))
        try client.renameDataset("copy", to: "moved")
        #expect(try !client.datasetExists("copy"))
        #expect(try client.getDataset("moved").metaStrings("run") == ["r1"])
        try client.deleteDataset("moved")
        try client.deleteDataset("state")
        #expect(try !client.datasetExists("state"))
        do {
            _ = try client.getDataset("state")
            Issue.record("a deleted dataset must be missing")
        } catch {
            #expect(error.code == .keyNotFound)
        }
        for port in cluster.masters.map(\.server.port) { #expect(try cluster.keyCount(onPort: port) == 0) }
    }

    @Test func aggregationListsSpanEveryShard() throws {
        let cluster = try Peers.moduleCluster()
        let client = try cluster.client()
        let names = keysOnEveryShard(client, stem: "sample_", perShard: 3).flatMap { $0 }.sorted()
        for (index, name) in names.enumerated() {
            var dataset = Dataset(name: name)
            try dataset.addTensor("x", Tensor(shape: [1, 3], scalars: [Float(index), 0, 1]))
            try dataset.addMetaScalar("index", Int64(index))
            try client.putDataset(dataset)
            #expect(try client.appendToList("training", dataset: dataset) == index + 1)
        }
        #expect(try client.getListLength("training") == names.count)
        #expect(try client.pollListLength("training", length: names.count, intervalMilliseconds: 5, tries: 2))
        #expect(try client.pollListLength("training", length: 2, comparison: .atLeast, intervalMilliseconds: 5, tries: 1))
        #expect(try !client.pollListLength("training", length: 2, comparison: .atMost, intervalMilliseconds: 5, tries: 1))

        let all = try client.getDatasetsFromList("training")
        #expect(all.map(\.name) == names, "list order, whichever shard each dataset is on")
        for (index, dataset) in all.enumerated() {
            #expect(try dataset.tensor("x").scalars(as: Float.self) == [Float(index), 0, 1])
            #expect(try dataset.metaScalars("index", as: Int64.self) == [Int64(index)])
        }
        #expect(try client.getDatasetListRange("training", start: 2, end: -2).map(\.name) == Array(names[2..<(names.count - 1)]))

        try client.copyList("training", to: "copied")
        #expect(try client.getDatasetsFromList("copied").map(\.name) == names)
        try client.renameList("copied", to: "renamed")
        #expect(try client.getListLength("copied") == 0)
        #expect(try client.getListLength("renamed") == names.count)
        try client.deleteList("renamed")
        #expect(try client.getListLength("renamed") == 0)
    }

    @Test func modelsHaveOneCopyPerShardAndRunNextToTheirInput() throws {
        let cluster = try Peers.moduleCluster()
        let client = try cluster.client()
        let model = try Peers.doublingModel()
        try client.setModelChunkSize(100)
        try client.setModel("double", model: model.bytes, backend: .onnx, options: ModelOptions(tag: "v2"))
        for (shard, node) in zip(client.shards, cluster.masters) {
            #expect(try cluster.exists(shard.prefixedKey(Array("double".utf8)), onPort: node.server.port), "a copy on \(shard.address)")
            #expect(try cluster.connect(port: node.server.port).send("AI.CONFIG", "GET", "MODEL_CHUNK_SIZE") == .integer(100))
        }
        #expect(try !client.keyExists("double"), "no copy under the plain name")
        #expect(try client.modelExists("double"))
        #expect(try client.pollModel("double", intervalMilliseconds: 5, tries: 1))
        #expect(try client.getModel("double") == model.bytes, "chunks concatenated")

        // An input on every shard, the output on another one.
        let inputs = keysOnEveryShard(client, stem: "in_").map { $0[0] }
        let outputs = keysOnEveryShard(client, stem: "out_").map { $0[0] }
        for (index, input) in inputs.enumerated() {
            try client.putTensor(input, [1, 2, 3, Float(index)], shape: [1, 4])
            let output = outputs[(index + 1) % outputs.count]
            try client.runModel("double", inputs: [input], outputs: [output])
            #expect(try client.getTensor(output, as: Float.self).scalars == [2, 4, 6, Float(2 * index)])
        }
        for port in cluster.masters.map(\.server.port) {
            let keys = try cluster.connect(port: port).send("KEYS", "*TMP*").array ?? []
            #expect(keys.isEmpty, "temporary copies are deleted")
        }
        let info = try client.aiInfo("double", address: client.shards[1].address)
        #expect(info["key"] == "double", "the {P}. of the copy is not shown")
        #expect(info["calls"] == "1", "the run of the input on the second shard used that shard's copy")
        #expect(info["tag"] == "v2")
        #expect(try client.aiInfo("double", resetStatistics: true, address: client.shards[1].address).isEmpty)
        #expect(try client.aiInfo("double", address: client.shards[1].address)["calls"] == "0")

        try client.deleteModel("double")
        #expect(try !client.modelExists("double"))
        for (shard, node) in zip(client.shards, cluster.masters) {
            #expect(try !cluster.exists(shard.prefixedKey(Array("double".utf8)), onPort: node.server.port))
        }
        do {
            try client.runModel("double", inputs: [inputs[0]], outputs: ["y"])
            Issue.record("a deleted model must not run")
        } catch {
            #expect(error.code == .keyNotFound)
        }
    }

    /// The commands each shard receives for a model store and run, as SmartRedis sends
    /// them on a 3-shard cluster.
    @Test func modelCommandsAreSmartRedisOnes() throws {
        let cluster = try Peers.moduleCluster()
        let client = try cluster.client()
        let model = try Peers.doublingModel()
        try client.putTensor("b", [1, 2, 3, 4] as [Float], shape: [1, 4])
        let recorders = try cluster.masters.map { node in try CommandRecorder { try cluster.connect(port: node.server.port) } }
        func lines(_ index: Int) throws -> [String] {
            try recorders[index].commands().map { arguments in
                arguments.map { $0.count > 40 ? "<\($0.count) bytes>" : CommandRecorder.render($0) }.joined(separator: " ")
            }
        }
        try client.setModel("cm", model: model.bytes, backend: .onnx, options: ModelOptions(tag: "t"))
        let prefixes = [#"{\x00\x00}"#, "{8M}", #"{\xed\xeb}"#]
        var configGets = 0
        for index in 0..<3 {
            let seen = try lines(index)
            configGets += seen.filter { $0 == "AI.CONFIG GET MODEL_CHUNK_SIZE" }.count
            #expect(seen.filter { $0 != "AI.CONFIG GET MODEL_CHUNK_SIZE" }
                    == ["AI.MODELSTORE \(prefixes[index]).cm ONNX CPU TAG t BLOB <\(model.bytes.count) bytes>"], "shard \(index)")
        }
        #expect(configGets == 1, "the chunk size is asked from one shard")

        let outputShard = try #require(client.shards.firstIndex { $0.slots.contains(HashSlot.of("out")) })
        try client.runModel("cm", inputs: ["b"], outputs: ["out"])
        let p = prefixes[0]
        var expected = [
            "AI.TENSORGET b META BLOB",
            #"AI.TENSORSET \#(p).b.TMP FLOAT 1 4 BLOB \x00\x00\x80?\x00\x00\x00@\x00\x00@@\x00\x00\x80@"#,
            "AI.MODELEXECUTE \(p).cm INPUTS 1 \(p).b.TMP OUTPUTS 1 \(p).out.TMP TIMEOUT 60000000",
            "AI.TENSORGET \(p).out.TMP META BLOB",
            "DEL \(p).out.TMP \(p).b.TMP",
        ]
        let storeOutput = #"AI.TENSORSET out FLOAT 1 4 BLOB \x00\x00\x00@\x00\x00\x80@\x00\x00\xc0@\x00\x00\x00A"#
        if outputShard == 0 { expected.insert(storeOutput, at: 4) }
        #expect(try lines(0) == expected, "b (slot 3300) is on the first shard, where the run happens")
        for index in 1..<3 {
            #expect(try lines(index) == (index == outputShard ? [storeOutput] : []), "shard \(index)")
        }
        #expect(try client.getTensor("out", as: Float.self).scalars == [2, 4, 6, 8])
    }

    @Test func serverCommandsTargetAShard() throws {
        let cluster = try Peers.moduleCluster()
        let client = try cluster.client()
        let names = keysOnEveryShard(client, stem: "k").map { $0[0] }
        for name in names { try client.putTensor(name, [1] as [Float], shape: [1]) }
        let second = cluster.addresses[1]

        let info = try client.info(address: second)
        #expect(info["Server"]?["tcp_port"] == String(cluster.masters[1].server.port))
        #expect(info["Cluster"]?["cluster_enabled"] == "1")
        let state = try client.clusterInfo(address: second)
        #expect(state["cluster_state"] == "ok")
        #expect(state["cluster_slots_assigned"] == "16384")
        #expect(try client.clusterInfo()["cluster_known_nodes"] == "3")

        try client.configSet("maxmemory", "12345678", address: second)
        #expect(try client.configGet("maxmemory", address: second)["maxmemory"] == "12345678")
        #expect(try client.configGet("maxmemory", address: cluster.addresses[0])["maxmemory"] == "0")
        try client.configSet("maxmemory", "0")
        #expect(try client.configGet("maxmemory", address: second)["maxmemory"] == "0", "nil sets every master")

        try client.save(address: second)
        try client.flushDB(address: second)
        #expect(try !client.tensorExists(names[1]))
        #expect(try client.tensorExists(names[0]) && client.tensorExists(names[2]), "the other shards keep their keys")
        try client.flushDB()
        #expect(try !client.tensorExists(names[0]) && !client.tensorExists(names[2]))

        #expect(try client.send(Command("SET", "raw", "v")) == .simpleString("OK"))
        #expect(try client.send(pipeline: names.map { Command("SET", $0, "x") }) == Array(repeating: .simpleString("OK"), count: 3))
        #expect(try client.send(Command("DBSIZE"), to: second) == .integer(1), "one of the three keys per shard")
        do {
            try client.flushDB(address: .tcp(host: "localhost", port: cluster.masters[0].server.port))
            Issue.record("an address that is not a master as the cluster names it must be refused")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("failed to find database"))
        }
    }

    @Test func aStandaloneServerIsUsedStandaloneInClusterMode() throws {
        let server = try Peers.moduleServer()
        let configuration = ClientConfiguration(addresses: [.tcp(host: "127.0.0.1", port: server.port)], kind: .clustered)
        let client = try Client(configuration: configuration)
        #expect(!client.isCluster)
        #expect(client.shards.isEmpty)
        try client.putTensor("x", [1] as [Float], shape: [1])
        #expect(try client.tensorExists("x"))
        #expect(throws: ClientError.self) { try client.clusterInfo() }
    }
}
