import Foundation
import Glibc
import Testing
import TandemTesting

/// `online-training` on a sharded database (a real local Redis Cluster): the whole workflow,
/// a shard killed without replicas (a clear failure) and with replicas (a completed run that
/// lost nothing).
@Suite(.serialized) struct OnlineTrainingClusterTests {
    /// summary.json of a run.
    func summary(in output: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("summary.json"))) as? [String: Any])
    }

    /// The datasets a run leaves: one per simulation, one per training batch, one info per member.
    func expectedDatasets(members: Int, steps: Int) -> Int {
        members * (steps + (steps + 49) / 50 + 1)
    }

    @Test func aSmallRunOnThreeShardsSpreadsTheDataAndCopiesEveryModel() throws {
        let peers = try OnlineTrainingEndToEndTests.peers()
        let output = try TestEnvironment.makeTemporaryDirectory(prefix: "online-training-cluster")
        let port = try TestEnvironment.freeClusterPorts(count: 3)
        let result = try TestEnvironment.run(peers.driver, OnlineTrainingEndToEndTests.small + [
            "--db-nodes", "3", "--port", String(port), "--output", output.path, "--module", peers.module, "--test-cases", "10"])
        #expect(result.status == 0, "online-training failed:\n\(result.output)\n\(result.error)")
        #expect(result.output.contains("a Redis Cluster of 3 shards"), "\(result.output)")

        let summary = try summary(in: output)
        #expect(summary["state"] as? String == "finished")
        let statuses = try #require(summary["entities"] as? [[String: Any]]).map { "\($0["name"]!)=\($0["status"]!)" }
        #expect(Set(statuses) == ["orchestrator_0=Cancelled", "orchestrator_1=Cancelled", "orchestrator_2=Cancelled",
                                  "fd_simulation_0=Completed", "fd_simulation_1=Completed", "surrogate-train=Completed"])
        let nodes = try #require(summary["database_nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["address"] as? String } == (port..<(port + 3)).map { "127.0.0.1:\($0)" })
        #expect(nodes.allSatisfy { $0["role"] as? String == "master" })
        // Every shard holds some of the data, and a copy of each of the two checkpoints.
        #expect(nodes.allSatisfy { ($0["datasets"] as? Int ?? 0) > 0 }, "\(nodes)")
        #expect(nodes.map { $0["models"] as? Int } == [2, 2, 2], "\(nodes)")
        #expect(nodes.map { $0["datasets"] as? Int ?? 0 }.reduce(0, +) == expectedDatasets(members: 2, steps: 20))
        let page = try String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(page.contains("<h2>Database</h2>") && page.contains("10923-16383"))
        #expect(try #require(summary["test_mae"] as? Double) < 2)
    }

    @Test func aKilledShardFailsTheRunNamingIt() throws {
        let output = try TestEnvironment.makeTemporaryDirectory(prefix: "online-training-cluster-kill")
        let run = try OnlineTrainingProcessTests.startLongRun(
            output: output, runs: output.appendingPathComponent("runs"),
            arguments: ["--steps", "400", "--epochs", "400", "--db-nodes", "3"], databaseNodes: 3)
        defer { if run.process.isRunning { kill(run.process.processIdentifier, SIGKILL) } }
        let shard = try #require(run.pids["orchestrator_1"], "the run did not get going: \(run.pids)")

        kill(shard, SIGKILL)
        run.process.waitUntilExit()
        let said = String(decoding: run.pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(run.process.terminationReason == .exit && run.process.terminationStatus == 1, "\(said)")
        #expect(said.contains("database node orchestrator_1 ("), "\(said)")
        #expect(said.contains("shard 2 of 3, pid \(shard)) exited with signal 9 while the run needed it"), "\(said)")
        for pid in run.pids.values { #expect(Processes.waitUntilGone(pid, timeout: .seconds(30)), "pid \(pid) outlived the run") }
        let summary = try summary(in: output)
        #expect(summary["state"] as? String == "failed")
        #expect((summary["message"] as? String)?.contains("orchestrator_1") == true)
    }

    @Test func aKilledMasterWithAReplicaIsSurvivedWithNothingLost() throws {
        let output = try TestEnvironment.makeTemporaryDirectory(prefix: "online-training-cluster-failover")
        let steps = 150
        let run = try OnlineTrainingProcessTests.startLongRun(
            output: output, runs: output.appendingPathComponent("runs"),
            arguments: ["--steps", "\(steps)", "--epochs", "30", "--checkpoint-every", "10", "--test-cases", "10",
                        "--db-nodes", "3", "--db-replicas", "1"], databaseNodes: 6)
        defer { if run.process.isRunning { kill(run.process.processIdentifier, SIGKILL) } }
        let master = try #require(run.pids["orchestrator_1"], "the run did not get going: \(run.pids)")

        kill(master, SIGKILL)
        run.process.waitUntilExit()
        let said = String(decoding: run.pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(run.process.terminationStatus == 0, "\(said)")
        #expect(said.contains("exited with signal 9; the cluster fails over to a replica"), "\(said)")
        let summary = try summary(in: output)
        #expect(summary["state"] as? String == "finished")
        // The surviving masters (the promoted replica among them) hold every dataset: no sample was lost.
        let nodes = try #require(summary["database_nodes"] as? [[String: Any]])
        let masters = nodes.filter { $0["role"] as? String == "master" }
        #expect(masters.count == 3, "\(nodes)")
        #expect(!nodes.contains { $0["name"] as? String == "orchestrator_1" }, "the killed node is gone")
        #expect(masters.map { $0["datasets"] as? Int ?? 0 }.reduce(0, +) == expectedDatasets(members: 2, steps: steps), "\(nodes)")
        #expect(masters.allSatisfy { $0["models"] as? Int == 3 }, "every checkpoint on every shard: \(nodes)")
    }
}
