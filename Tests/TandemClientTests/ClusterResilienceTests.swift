import Foundation
import Glibc
import Testing
import RESP
import TandemClient
import TandemTesting

/// What SmartRedis cannot do and TandemClient does on a real local cluster: follow `ASK`
/// and `MOVED` while a slot migrates, go on after a master dies and its replica takes over,
/// and fail clearly, within the retry budget, when a shard without replica dies. Also the
/// module's side: `AI.MODELEXECUTE` on keys of different slots is refused as `CROSSSLOT`.
@Suite(.enabled(if: Peers.moduleTestsEnabled), .serialized) struct ClusterResilienceTests {
    @Test func askAndMovedAreFollowedWhileASlotMigrates() throws {
        let cluster = try Peers.moduleCluster()
        let client = try cluster.client()
        try client.putTensor("b", [1, 2] as [Float], shape: [2])
        let slot = HashSlot.of("b")
        let source = cluster.masters[0], target = cluster.masters[1]
        #expect(source.slots?.contains(slot) == true, "b (slot 3300) starts on the first master")
        let from = try cluster.connect(port: source.server.port), to = try cluster.connect(port: target.server.port)
        #expect(try to.send("CLUSTER", "SETSLOT", "\(slot)", "IMPORTING", source.id) == .simpleString("OK"))
        #expect(try from.send("CLUSTER", "SETSLOT", "\(slot)", "MIGRATING", target.id) == .simpleString("OK"))
        #expect(try from.send("MIGRATE", "127.0.0.1", "\(target.server.port)", "", "0", "10000", "KEYS", "b") == .simpleString("OK"))

        // The slot is half moved: the source answers ASK for b, which now lives on the target.
        #expect(try from.send("EXISTS", "b").errorText == "ASK \(slot) 127.0.0.1:\(target.server.port)")
        #expect(try client.getTensor("b", as: Float.self).scalars == [1, 2], "ASK is followed")
        try client.putTensor("{b}.new", [3] as [Float], shape: [1])
        #expect(try cluster.exists(Array("{b}.new".utf8), onPort: target.server.port), "a new key of a migrating slot goes to the target")

        for node in cluster.masters {
            #expect(try cluster.connect(port: node.server.port).send("CLUSTER", "SETSLOT", "\(slot)", "NODE", target.id) == .simpleString("OK"))
        }
        // The client's map still names the source, which now answers MOVED.
        #expect(client.shard(forKey: "b")?.address == source.address)
        #expect(try client.getTensor("b", as: Float.self).scalars == [1, 2], "MOVED is followed")
        #expect(client.shard(forKey: "b")?.address == target.address, "and the slot map was read again")
        #expect(client.shards.contains { $0.slots == slot...slot }, "the moved slot is an entry of its own")
        try client.putTensor("{b}.after", [4] as [Float], shape: [1])
        #expect(try cluster.exists(Array("{b}.after".utf8), onPort: target.server.port))
    }

    @Test func aFailedOverMasterLosesNothingWrittenBefore() throws {
        // Long enough that a loaded machine does not fail a healthy node before the one killed.
        let cluster = try Peers.moduleCluster(replicas: 1, nodeTimeoutMilliseconds: 3_000)
        let client = try cluster.client(commandRetry: RetryPolicy(timeoutMilliseconds: 60_000, intervalMilliseconds: 100))
        let names = keysOnEveryShard(client, stem: "kept_", perShard: 3).flatMap { $0 }
        for (index, name) in names.enumerated() { try client.putTensor(name, [Float(index)], shape: [1]) }
        var dataset = Dataset(name: "state")
        try dataset.addTensor("u", [1, 2, 3] as [Float], shape: [3])
        try client.putDataset(dataset)
        // Every write acknowledged by a replica (not `WAIT` on a new connection: it counts that
        // connection's writes only, so it answers at once; see `unacknowledgedWrites`).
        var lag: String?
        try #require(TestEnvironment.waitUntil(seconds: 60) { lag = cluster.unacknowledgedWrites(replicasPerMaster: 1); return lag == nil },
                     "every write reached a replica: \(lag ?? "")")

        // The master serving "state" now (on a loaded machine another may already have taken over).
        let victimPort = try #require(try cluster.owner(ofSlot: HashSlot.of("state")))
        let victim = try #require(cluster.nodes.first { $0.server.port == victimPort })
        cluster.kill(port: victim.server.port)
        // Reads of every shard go on: the dead shard's keys once its replica took over.
        for (index, name) in names.enumerated() {
            #expect(try client.getTensor(name, as: Float.self).scalars == [Float(index)], "\(name)")
        }
        #expect(try client.getDataset("state") == dataset)
        #expect(!client.shardAddresses.contains(victim.address), "the replica serves the dead master's slots")
        #expect(client.shardAddresses.count == 3)
        try client.putTensor("state_after", [9] as [Float], shape: [1])
        #expect(try client.getTensor("state_after", as: Float.self).scalars == [9])
        #expect(TestEnvironment.waitUntil(seconds: 60) { cluster.runningNodesReportOK() })

        // The promoted replica is a master that address-targeted calls can name.
        let promoted = try #require(client.shard(forKey: "state")?.address)
        #expect(try client.info(address: promoted)["Replication"]?["role"] == "master")
        #expect(throws: ClientError.self) { try client.info(address: victim.address) }

        // New clients whose SSDB still names the dead master connect through the others.
        for _ in 0..<6 {
            let fresh = try cluster.client()
            #expect(fresh.address != victim.address)
            #expect(try fresh.getTensor(names[0], as: Float.self).scalars == [0])
        }
    }

    @Test func onlyAnAcknowledgedWriteCountsAsOnTheReplica() throws {
        let cluster = try Peers.moduleCluster(replicas: 1)
        #expect(TestEnvironment.waitUntil(seconds: 60) { cluster.unacknowledgedWrites(replicasPerMaster: 1) == nil })
        let master = cluster.masters[0]
        let replica = try #require(cluster.nodes.first { $0.masterIndex == 0 })
        let key = "kept_0"
        #expect(master.slots?.contains(HashSlot.of(key)) == true)

        // A stopped replica cannot acknowledge anything written from now on.
        Glibc.kill(replica.server.processID, SIGSTOP)
        defer { Glibc.kill(replica.server.processID, SIGCONT) }
        let writer = try cluster.connect(port: master.server.port)
        let replies = try writer.exchange([Command("AI.TENSORSET", key, "FLOAT", "1", "VALUES", "1"), Command("WAIT", "1", "200")])
        #expect(replies == [.simpleString("OK"), .integer(0)], "WAIT after the write on its connection: not acknowledged")
        #expect(try cluster.connect(port: master.server.port).send("WAIT", "1", "200") == .integer(1),
                "WAIT on a new connection answers with the online replicas, whatever they hold")
        let lag = try #require(cluster.unacknowledgedWrites(replicasPerMaster: 1))
        #expect(lag.contains(master.address.description), "\(lag)")

        Glibc.kill(replica.server.processID, SIGCONT)
        #expect(TestEnvironment.waitUntil(seconds: 60) { cluster.unacknowledgedWrites(replicasPerMaster: 1) == nil })
        let onReplica = try cluster.connect(port: replica.server.port).exchange([Command("READONLY"), Command("EXISTS", key)])
        #expect(onReplica[1] == .integer(1), "once acknowledged, the write is on the replica")
    }

    @Test func writesReachTheReplicasBeforeACallReturnsWhenAsked() throws {
        let cluster = try Peers.moduleCluster(replicas: 1)
        // The client's WAIT lasts half the socket timeout: 30 s here. A replica that just did its
        // full sync is streamed writes only from its next acknowledgement, a second or more later
        // on a loaded machine, so a short WAIT could give up before the replica holds the write.
        var configuration = ClientConfiguration(addresses: cluster.addresses, kind: .clustered,
                                                commandRetry: RetryPolicy(timeoutMilliseconds: 5000, intervalMilliseconds: 100),
                                                socketTimeoutMilliseconds: 60_000)
        configuration.replicaAcknowledgements = 1
        let client = try Client(configuration: configuration)
        let names = keysOnEveryShard(client, stem: "acked_").map { $0[0] }
        for (index, name) in names.enumerated() {
            try client.putTensor(name, [Float(index)], shape: [1])
            let master = try #require(cluster.masters.first { $0.slots?.contains(HashSlot.of(name)) == true })
            let replica = try #require(cluster.nodes.first { $0.masterIndex.flatMap { cluster.nodes[$0].id } == master.id })
            let onReplica = try cluster.connect(port: replica.server.port).exchange([Command("READONLY"), Command("EXISTS", name)])
            #expect(onReplica[1] == .integer(1), "\(name) is on the replica as soon as the call returned")
            let stats = try #require(try cluster.connect(port: master.server.port).send("INFO", "commandstats").string)
            #expect(stats.contains("cmdstat_wait:calls="), "the master was asked to WAIT")
        }
        #expect(try ClientConfiguration(environment: ["SSDB": "a:1", "TANDEM_WAIT_REPLICAS": "1"]).replicaAcknowledgements == 1)
        #expect(throws: ClientError.self) { try ClientConfiguration(environment: ["SSDB": "a:1", "TANDEM_WAIT_REPLICAS": "-1"]) }
    }

    @Test func aDeadShardWithoutReplicaFailsWithinTheBudget() throws {
        let cluster = try Peers.moduleCluster(nodeTimeoutMilliseconds: 1_000)
        let client = try cluster.client(commandRetry: RetryPolicy(timeoutMilliseconds: 3_000, intervalMilliseconds: 100))
        let names = keysOnEveryShard(client, stem: "lost_").map { $0[0] }
        for name in names { try client.putTensor(name, [1] as [Float], shape: [1]) }
        let victim = cluster.masters[2]
        cluster.kill(port: victim.server.port)
        let start = ContinuousClock.now
        do {
            _ = try client.getTensor(names[2])
            Issue.record("a key of a dead shard without replica cannot be read")
        } catch {
            #expect(error.code == .timeout || error.code == .server, "\(error)")
            #expect(error.message.contains(victim.address.description) || error.message.contains("CLUSTERDOWN"), "\(error.message)")
        }
        #expect(ContinuousClock.now - start < .seconds(30), "the failure comes within the retry budget")
    }

    @Test func modelExecuteOnKeysOfDifferentSlotsIsCrossSlot() throws {
        let cluster = try Peers.moduleCluster()
        let client = try cluster.client()
        let port = try cluster.ownerPort(of: "{a}m")
        let connection = try cluster.connect(port: port)
        let crossed = try connection.send("AI.MODELEXECUTE", "{a}m", "INPUTS", "2", "{a}x", "{b}y", "OUTPUTS", "1", "{a}z", "TIMEOUT", "1000")
        guard case .error(let text) = crossed else { Issue.record("expected CROSSSLOT, got \(crossed)"); return }
        #expect(text.hasPrefix("CROSSSLOT"), "\(text)")
        let outputCrossed = try connection.send("AI.MODELEXECUTE", "{a}m", "INPUTS", "1", "{a}x", "OUTPUTS", "1", "{b}z")
        #expect(outputCrossed.errorText?.hasPrefix("CROSSSLOT") == true, "outputs count too")
        let sameSlot = try connection.send("AI.MODELEXECUTE", "{a}m", "INPUTS", "1", "{a}x", "OUTPUTS", "1", "{a}z", "TIMEOUT", "1000")
        #expect(sameSlot.errorText == "ERR model key is empty", "one slot passes the cluster check")
        _ = client
    }
}

extension RESPValue {
    /// The text of an error reply, `nil` for any other reply.
    var errorText: String? {
        if case .error(let text) = self { return text }
        return nil
    }
}
