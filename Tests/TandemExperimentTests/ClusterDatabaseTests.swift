import Foundation
import Glibc
import RESP
import Testing
import TandemTesting
@testable import TandemExperiment

/// A database of several shards: a real Redis Cluster of redis-servers with TandemAI, started,
/// watched and stopped by an experiment and by `tandem`.
@Suite struct ClusterDatabaseTests {
    let tandem = TestEnvironment.builtProgram("tandem")

    /// A declared cluster database on free consecutive ports.
    func makeClusterDatabase(_ experiment: Experiment, shards: Int = 3, replicas: Int = 0) throws -> Orchestrator {
        let count = shards * (1 + replicas)
        var database = try experiment.createDatabase(port: try TestEnvironment.freeClusterPorts(count: count), shards: shards)
        database.replicasPerShard = replicas
        database.modulePath = try Peers.module()
        database.clusterNodeTimeout = .seconds(3)
        database.readinessTimeout = .seconds(120)
        return database
    }

    @Test func threeShardsServeEverySlotAndMembersGetEveryAddress() throws {
        let (experiment, _) = try makeExperiment()
        let database = try makeClusterDatabase(experiment)
        try experiment.start(database)
        defer { experiment.stop(database) }

        let reports = experiment.reports(of: database)
        #expect(reports.map(\.name) == ["orchestrator_0", "orchestrator_1", "orchestrator_2"])
        #expect(reports.allSatisfy { $0.status == .running && $0.entityType == "DBNode" })
        for node in database.nodes {
            let connection = try DatabaseConnection(address: node.address)
            #expect(try connection.clusterState() == "ok")
            #expect(try connection.modules().map(\.name) == ["ai"])
            let nodes = try #require(try connection.clusterNodes())
            #expect(nodes.map(\.address) == database.nodes.map(\.address), "every node knows the others, masters in slot order")
            #expect(nodes.map(\.slots) == [["0-5460"], ["5461-10922"], ["10923-16383"]])
        }
        let summary = experiment.summary()
        #expect(summary.components(separatedBy: "DBNode").count - 1 == 3, "\(summary)")

        // A member is told every shard, and that they form a cluster.
        var printer = experiment.createModel("printer", runSettings: RunSettings(executable: "/usr/bin/env"))
        printer.runSettings.environment = ["PATH": "/usr/bin:/bin"]
        try experiment.generate(printer, overwrite: true)
        try experiment.start(printer)
        let printed = try String(contentsOf: printer.directory.appendingPathComponent("printer.out"), encoding: .utf8)
        #expect(printed.contains("SSDB=\(database.nodes.map(\.address).joined(separator: ","))\n"), "\(printed)")
        #expect(printed.contains("SR_DB_TYPE=Clustered\n"))

        let pids = reports.compactMap { Int32($0.jobID) }
        experiment.stop(database)
        #expect(experiment.reports(of: database).allSatisfy { $0.status == .cancelled })
        for pid in pids { #expect(Processes.waitUntilGone(pid, timeout: .seconds(30))) }
    }

    @Test func aFailedMasterIsReplacedByItsReplica() throws {
        let (experiment, _) = try makeExperiment()
        let database = try makeClusterDatabase(experiment, replicas: 1)
        try experiment.start(database)
        defer { experiment.stop(database) }
        let nodes = database.nodes
        #expect(nodes.map(\.masterIndex) == [nil, nil, nil, 0, 1, 2])

        let key = "kept-through-failover"
        let slot = Int(try #require(try DatabaseConnection(address: nodes[0].address).send("CLUSTER", "KEYSLOT", key).integer))
        let ownerIndex = try #require(ClusterSlots.evenRanges(masters: 3).firstIndex { $0.contains(slot) })
        let owner = nodes[ownerIndex]
        let ownerConnection = try DatabaseConnection(address: owner.address)
        #expect(try ownerConnection.send("SET", key, "kept") == .simpleString("OK"))
        #expect(try ownerConnection.send("WAIT", "1", "10000").integer == 1, "the replica has the write")

        let ownerPID = try #require(Int32(experiment.reports(of: database)[ownerIndex].jobID))
        kill(ownerPID, SIGKILL)
        let replica = try #require(nodes.first { $0.masterIndex == ownerIndex })
        let promoted = TestEnvironment.waitUntil(seconds: 120) {
            guard let connection = try? DatabaseConnection(address: replica.address),
                  (try? connection.clusterState()) == "ok",
                  let entry = (try? connection.clusterNodes())?.first(where: { $0.address == replica.address }) else { return false }
            return entry.isMaster && !entry.slots.isEmpty
        }
        #expect(promoted, "the replica took over its master's slots")
        let reader = try DatabaseConnection(address: replica.address)
        #expect(try reader.send("GET", key).string == "kept")
    }

    @Test func shardCountsRedisClusterCannotServeAreRefused() throws {
        let (experiment, _) = try makeExperiment()
        #expect {
            _ = try experiment.createDatabase(port: 7000, shards: 2)
        } throws: { ($0 as? ExperimentError)?.message.contains("2 shards are refused") == true }
        #expect(throws: ExperimentError.self) { _ = try experiment.createDatabase(port: 7000, shards: 0) }
        var single = try experiment.createDatabase(port: 7000)
        single.replicasPerShard = 1
        #expect { try single.checkShape() } throws: { ($0 as? ExperimentError)?.message.contains("replicas need a cluster") == true }
        #expect { _ = try experiment.createDatabase(port: 65534, shards: 3) } throws: {
            ($0 as? ExperimentError)?.message.contains("past 65535") == true
        }
    }

    @Test func tandemStartsReportsAndStopsEveryShard() throws {
        let module = try Peers.module()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "cli-cluster")
        let port = try TestEnvironment.freeClusterPorts(count: 3)
        var environment = ProcessInfo.processInfo.environment
        environment["TANDEM_MODULE_PATH"] = module

        let refused = try TestEnvironment.run(tandem, ["start", "--nodes", "2"], environment: environment)
        #expect(refused.status == 64)
        #expect(refused.error.contains("--nodes 2 is refused"), "\(refused.error)")

        let started = try TestEnvironment.run(tandem, ["start", "--nodes", "3", "--port", "\(port)", "--detach",
                                                       "--directory", directory.path], environment: environment)
        #expect(started.status == 0, "\(started.error)")
        let addresses = (port..<(port + 3)).map { "127.0.0.1:\($0)" }
        defer { _ = try? TestEnvironment.run(tandem, ["stop", "--address", addresses[0]]) }
        #expect(started.output.contains("SSDB=\(addresses.joined(separator: ",")) SR_DB_TYPE=Clustered"), "\(started.output)")

        // Any node's address reaches all of it.
        let status = try TestEnvironment.run(tandem, ["status", "--address", addresses[2]])
        #expect(status.status == 0, "\(status.error)")
        #expect(status.output.contains("cluster:   ok, 3 shard(s), 0 replica(s)"), "\(status.output)")
        for address in addresses { #expect(status.output.contains("node:      \(address), master")) }
        #expect(status.output.components(separatedBy: "module:    ai").count - 1 == 3)

        // keys lists every shard's keys, each with the shard that holds it.
        let ranges = ClusterSlots.evenRanges(masters: 3)
        var owners: [String: String] = [:]
        for key in ["alpha", "beta", "gamma", "delta", "epsilon"] {
            let slot = Int(try #require(try DatabaseConnection(address: addresses[0]).send("CLUSTER", "KEYSLOT", key).integer))
            let owner = addresses[try #require(ranges.firstIndex { $0.contains(slot) })]
            #expect(try DatabaseConnection(address: owner).send("SET", key, "1") == .simpleString("OK"))
            owners[key] = owner
        }
        #expect(Set(owners.values).count > 1, "the keys spread over several shards")
        // A tensor is found from any node's address.
        let tensorSlot = Int(try #require(try DatabaseConnection(address: addresses[0]).send("CLUSTER", "KEYSLOT", "weights").integer))
        let tensorOwner = addresses[try #require(ranges.firstIndex { $0.contains(tensorSlot) })]
        #expect(try DatabaseConnection(address: tensorOwner).send("AI.TENSORSET", "weights", "FLOAT", "2", "VALUES", "1.5", "2.5")
                == .simpleString("OK"))
        owners["weights"] = tensorOwner
        for address in addresses {
            let shown = try TestEnvironment.run(tandem, ["tensor", "weights", "--address", address])
            #expect(shown.status == 0, "\(shown.error)")
            #expect(shown.output.contains("dtype FLOAT  shape [2]") && shown.output.contains("min 1.5  max 2.5"), "\(shown.output)")
        }

        let keys = try TestEnvironment.run(tandem, ["keys", "--address", addresses[0]])
        #expect(keys.status == 0, "\(keys.error)")
        let lines = keys.output.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines.count == owners.count, "\(keys.output)")
        for line in lines {
            #expect(line.count == 3 && owners[line[0]] == line[2] && line[1] == (line[0] == "weights" ? "AI_TENSOR" : "string"), "\(line)")
        }

        let stopped = try TestEnvironment.run(tandem, ["stop", "--address", addresses[1]])
        #expect(stopped.status == 0, "\(stopped.error)")
        for address in addresses {
            #expect((try? DatabaseConnection(address: address, timeoutMilliseconds: 500)) == nil, "\(address) still answers")
        }
    }
}
