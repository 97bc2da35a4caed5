import Foundation
import Testing
import TandemTesting

/// `online-training --launcher slurm` at the small setting against the local one-node Slurm:
/// the database, the fd-sim ensemble and the trainer all run as steps of one allocation the
/// driver obtains, and nothing is left in the queue afterwards.
@Suite(.serialized) struct OnlineTrainingSlurmTests {
    @Test func aSmallRunThroughSlurmRunsEveryProcessAsAStep() throws {
        let peers = try OnlineTrainingEndToEndTests.peers()
        try LocalSlurm.require()
        let output = try TestEnvironment.makeTemporaryDirectory(prefix: "online-training-slurm")
        let port = try TestEnvironment.freePort()
        let result = try TestEnvironment.run(peers.driver, OnlineTrainingEndToEndTests.small + [
            "--port", String(port), "--output", output.path, "--module", peers.module, "--launcher", "slurm"])
        #expect(result.status == 0, "online-training --launcher slurm failed:\n\(result.output)\n\(result.error)")

        let summary = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: output.appendingPathComponent("summary.json"))) as? [String: Any])
        #expect(summary["state"] as? String == "finished")
        let entities = try #require(summary["entities"] as? [[String: Any]])
        let statuses = Dictionary(uniqueKeysWithValues: entities.map { ($0["name"] as! String, $0["status"] as! String) })
        #expect(statuses == ["orchestrator_0": "Cancelled", "fd_simulation_0": "Completed", "fd_simulation_1": "Completed",
                             "surrogate-train": "Completed"])
        // Every process was a step of one allocation: ids <job>.<step>, one job for all.
        let ids = entities.compactMap { $0["job_id"] as? String }
        #expect(ids.count == 4)
        let jobs = Set(ids.map { $0.split(separator: ".").first.map(String.init) ?? "" })
        #expect(jobs.count == 1 && ids.allSatisfy { $0.split(separator: ".").count == 2 && Int($0.split(separator: ".")[1]) != nil },
                "job ids: \(ids)")
        // The allocation was given back (other suites may have jobs of their own in the queue).
        let job = try #require(jobs.first)
        let gone = try TestEnvironment.waitUntil(seconds: 60) { try !LocalSlurm.queuedJobs().contains(job) }
        #expect(gone, "the run's allocation \(job) is still in squeue")
    }

    /// The same run over three hosts (the local Slurm's partition `hosts`, network namespaces):
    /// a 3-shard database with one node per host, each bound to its own host's `eth0` and
    /// protected by a password made for the run, and the members and the trainer reaching it
    /// across the network.
    @Test func aSmallRunSpreadsOverHosts() throws {
        let peers = try OnlineTrainingEndToEndTests.peers()
        try LocalSlurm.requireHosts(3)
        let output = try TestEnvironment.makeTemporaryDirectory(prefix: "online-training-hosts")
        let port = try TestEnvironment.freeClusterPorts(count: 3)
        let result = try TestEnvironment.run(peers.driver, OnlineTrainingEndToEndTests.small + [
            "--port", String(port), "--output", output.path, "--module", peers.module, "--launcher", "slurm",
            "--slurm-partition", "hosts", "--slurm-nodes", "3", "--db-nodes", "3", "--db-interface", "eth0"])
        #expect(result.status == 0, "online-training over hosts failed:\n\(result.output)\n\(result.error)")

        let summary = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: output.appendingPathComponent("summary.json"))) as? [String: Any])
        #expect(summary["state"] as? String == "finished")
        let nodes = try #require(summary["database_nodes"] as? [[String: Any]])
        let hosts = nodes.compactMap { ($0["address"] as? String)?.split(separator: ":").first.map(String.init) }
        #expect(hosts.count == 3 && Set(hosts).count == 3 && hosts.allSatisfy { $0.hasPrefix("10.77.0.") }, "\(nodes)")
        #expect(nodes.allSatisfy { ($0["datasets"] as? Int ?? 0) > 0 }, "every shard holds data: \(nodes)")
        let ids = (summary["entities"] as? [[String: Any]] ?? []).compactMap { $0["job_id"] as? String }
        let jobs = Set(ids.map { $0.split(separator: ".").first.map(String.init) ?? "" })
        #expect(jobs.count == 1, "job ids: \(ids)")
        let job = try #require(jobs.first)
        let gone = try TestEnvironment.waitUntil(seconds: 60) { try !LocalSlurm.queuedJobs().contains(job) }
        #expect(gone, "the run's allocation \(job) is still in squeue")
    }
}
