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
}
