import Foundation
import Glibc
import Testing
import RESP
import TandemRedis
import TandemTesting

/// The local Redis Cluster launcher: shard counts it refuses, a 3-shard cluster with the
/// module on consecutive ports, masters with replicas, and a stop that ends every node.
@Suite struct RedisClusterProcessTests {
    @Test func oneAndTwoShardsAreRefusedWithTheReason() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "cluster")
        for (shards, words) in [(1, "not a cluster"), (2, "SmartSim"), (0, "at least 3")] {
            do {
                _ = try RedisClusterProcess.start(shards: shards, directory: directory.path)
                Issue.record("\(shards) shards must be refused")
            } catch {
                #expect(error.description.contains(words), "\(error)")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "nothing was started")
        // Roles that cannot form a cluster are refused before any node is asked.
        let replica = ClusterFormation.Member(host: "127.0.0.1", port: 1, busPort: 2, masterIndex: 0)
        #expect(throws: RedisServerError.self) { try ClusterFormation.join([replica], deadline: .now) }
        let master = ClusterFormation.Member(host: "127.0.0.1", port: 1, busPort: 2)
        var stray = replica
        stray.masterIndex = 5
        #expect(throws: RedisServerError.self) { try ClusterFormation.join([master, stray], deadline: .now) }
    }

    @Test func threeShardsWithTheModuleOnConsecutivePorts() throws {
        let module = try Peers.module()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "cluster")
        // Three consecutive ports whose bus ports (+10000) are free too.
        let base = try #require((0..<50).lazy.map { _ in Int.random(in: 20_000...30_000) }.first { base in
            (base..<(base + 3)).allSatisfy { port in
                (try? Ports.checkBindable(host: "127.0.0.1", port: port)) != nil
                    && (try? Ports.checkBindable(host: "127.0.0.1", port: port + 10_000)) != nil
            }
        })
        let cluster = try RedisClusterProcess.start(shards: 3, basePort: base, directory: directory.path,
                                                    module: (module, []), nodeTimeoutMilliseconds: 2_000)
        #expect(cluster.nodes.map(\.server.port) == [base, base + 1, base + 2])
        #expect(cluster.nodes.map(\.slots) == [0...5460, 5461...10922, 10923...16383])
        #expect(cluster.readinessProblem() == nil)
        for node in cluster.nodes {
            let connection = try RedisConnection.open(port: node.server.port)
            let info = try #require(connection.send("CLUSTER", "INFO").string)
            #expect(info.contains("cluster_state:ok") && info.contains("cluster_slots_assigned:16384") && info.contains("cluster_known_nodes:3"))
            #expect(try connection.send("CONFIG", "GET", "cluster-node-timeout").array?.last?.string == "2000")
            #expect(try connection.send("CONFIG", "GET", "cluster-require-full-coverage").array?.last?.string == "yes")
            #expect(try connection.send("INFO", "modules").string?.contains("module:name=") == true)
            #expect(FileManager.default.fileExists(atPath: "\(node.server.directory)/nodes-\(node.server.port).conf"))
        }
        // A key written through its owner is refused elsewhere with MOVED.
        let owner = try RedisConnection.open(port: base)          // slot of "b" (3300) is on the first
        #expect(try owner.send("SET", "b", "1") == .simpleString("OK"))
        let other = try RedisConnection.open(port: base + 1)
        #expect(try other.send("GET", "b") == .error("MOVED 3300 127.0.0.1:\(base)"))

        let pids = cluster.nodes.map(\.server.processID)
        cluster.stop()
        #expect(pids.allSatisfy { Processes.waitUntilGone($0) })
        #expect(cluster.nodes.allSatisfy { !$0.server.isRunning })
    }

    @Test func mastersWithReplicas() throws {
        let cluster = try Peers.moduleCluster(replicas: 1)
        #expect(cluster.nodes.count == 6)
        #expect(cluster.readinessProblem() == nil)
        let nodes = try #require(try cluster.connect(port: cluster.masters[0].server.port).send("CLUSTER", "NODES").string)
        let lines = nodes.split(separator: "\n")
        #expect(lines.filter { $0.contains("master") }.count == 3)
        #expect(lines.filter { $0.contains("slave") }.count == 3)
        for replica in cluster.nodes.dropFirst(3) {
            let master = cluster.nodes[try #require(replica.masterIndex)]
            let line = try #require(lines.first { $0.hasPrefix(replica.id) })
            #expect(line.contains("slave \(master.id)"), "\(replica.address) replicates \(master.address)")
        }
        cluster.stop()
        #expect(cluster.nodes.allSatisfy { !$0.server.isRunning })
    }
}
