import Foundation
import Glibc
import Testing
import TandemTesting
@testable import TandemExperiment

/// Job states from Slurm's accounting records (`sacct`) against a real Slurm that keeps them
/// (`scripts/slurm-local.sh start --accounting`), and the launcher's own path (srun's exit,
/// `squeue`, `scontrol`) when it is told not to use them. Serialized like the other Slurm tests.
@Suite(.serialized) struct SlurmAccountingTests {
    /// Releases the launcher's allocation and waits until it has left the queue.
    func release(_ launcher: SlurmLauncher, jobs: [String] = []) throws {
        let ours = Set(jobs + (launcher.allocationID.map { [$0] } ?? []))
        launcher.release()
        let gone = try TestEnvironment.waitUntil(seconds: 60) { try Set(LocalSlurm.queuedJobs()).isDisjoint(with: ours) }
        #expect(gone, "left in squeue: \((try? LocalSlurm.queuedJobs().filter(ours.contains)) ?? [])")
    }

    /// An ensemble of `/bin/sh member.sh` members exiting with `codes`, run as one batch job.
    func batchEnsemble(_ experiment: Experiment, _ directory: URL, codes: [String]) throws -> Ensemble {
        let script = directory.appendingPathComponent("member.sh")
        try "exit ;code;\n".write(to: script, atomically: true, encoding: .utf8)
        var ensemble = try experiment.createEnsemble(
            "members", runSettings: RunSettings(executable: "/bin/sh", arguments: ["member.sh"]),
            parameters: ["code": codes], strategy: .allPermutations)
        ensemble.attachFiles(configure: [script])
        ensemble.batchSettings = BatchSettings(timeLimit: .seconds(600))
        return ensemble
    }

    @Test func finishedStepsStatesComeFromSacct() throws {
        try LocalSlurm.requireAccounting()
        let launcher = try LocalSlurm.launcher()
        #expect(launcher.usesAccounting)
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm-sacct")
        let experiment = try Experiment(name: "sacct", directory: directory, launcher: launcher)
        let fine = experiment.createModel("fine", runSettings: RunSettings(executable: "/bin/sh", arguments: ["-c", "exit 0"]))
        let failing = experiment.createModel("failing", runSettings: RunSettings(executable: "/bin/sh", arguments: ["-c", "exit 7"]))
        // The task kills itself: Slurm records the signal, which srun's exit code does not say as such.
        let signalled = experiment.createModel("signalled", runSettings: RunSettings(executable: "/bin/sh", arguments: ["-c", "kill -USR1 $$"]))
        try experiment.start(fine, failing, signalled)

        #expect(experiment.status(of: fine) == ["fine": .completed])
        #expect(experiment.status(of: failing) == ["failing": .failed])
        #expect(experiment.status(of: signalled) == ["signalled": .failed])
        let reports = [fine, failing, signalled].map { experiment.reports(of: $0)[0] }
        #expect(reports.map(\.returnCode) == [0, 7, -SIGUSR1])
        let allocation = try #require(launcher.allocationID)
        let records = try LocalSlurm.accountingRecords(of: allocation)
        // Slurm's record of each step (`State|code:signal`; a step whose task a signal ended is
        // CANCELLED) says what the launcher reported, and the launcher took it from there.
        for (report, record) in zip(reports, ["COMPLETED|0:0", "FAILED|7:0", "CANCELLED|0:\(SIGUSR1)"]) {
            #expect(records[report.jobID] == record, "\(report.jobID): \(records)")
            #expect(launcher.endSource(of: JobID(report.jobID)) == .accounting)
        }
        try release(launcher)
    }

    @Test func aFailedBatchMembersStateComesFromSacct() throws {
        try LocalSlurm.requireAccounting()
        let launcher = try LocalSlurm.launcher()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm-sacct")
        let experiment = try Experiment(name: "sacct-batch", directory: directory, launcher: launcher)
        let ensemble = try batchEnsemble(experiment, directory, codes: ["0", "3"])
        try experiment.start(ensemble, block: false)
        let started = experiment.reports(of: ensemble).map(\.jobID)
        let job = try #require(started.first?.split(whereSeparator: { $0 == "." || $0 == "/" }).first.map(String.init))
        // Slurm records the members' ends, then the batch job's own (its script's `wait`
        // returning). Only then does the launcher look again: a loaded slurmdbd can record
        // an end later than the launcher would wait for it before falling back to the exit files.
        let jobEnded = try TestEnvironment.waitUntil(seconds: 120) {
            try LocalSlurm.accountingRecords(of: job)[job]?.hasPrefix("COMPLETED|") == true
        }
        let records = try LocalSlurm.accountingRecords(of: job)
        #expect(jobEnded, "the batch job's record: \(records)")

        #expect(experiment.status(of: ensemble) == ["members_0": .completed, "members_1": .failed])
        let reports = experiment.reports(of: ensemble)
        #expect(reports.map(\.returnCode) == [0, 3])
        let steps = reports.map(\.jobID)
        #expect(steps.allSatisfy { $0.hasPrefix(job + ".") }, "\(steps)")
        #expect(records[steps[0]] == "COMPLETED|0:0", "\(records)")
        #expect(records[steps[1]] == "FAILED|3:0", "\(records)")
        for member in ensemble.members {
            #expect(launcher.endSource(of: JobID("\(job)/\(member.name)")) == .accounting, "\(member.name)")
        }
        try release(launcher, jobs: [job])
    }

    @Test func withoutAccountingStatesComeFromSrunAndTheQueue() throws {
        try LocalSlurm.require()
        let launcher = try SlurmLauncher(allocation: .obtain(.init(timeLimit: .seconds(600))), accounting: false)
        #expect(!launcher.usesAccounting)
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm-noacct")
        let experiment = try Experiment(name: "noacct", directory: directory, launcher: launcher)
        let failing = experiment.createModel("failing", runSettings: RunSettings(executable: "/bin/sh", arguments: ["-c", "exit 7"]))
        try experiment.start(failing)
        let report = experiment.reports(of: failing)[0]
        #expect(experiment.status(of: failing) == ["failing": .failed])
        #expect(report.returnCode == 7)
        #expect(launcher.endSource(of: JobID(report.jobID)) == .srun)

        let ensemble = try batchEnsemble(experiment, directory, codes: ["0", "3"])
        try experiment.start(ensemble, block: true)
        #expect(experiment.status(of: ensemble) == ["members_0": .completed, "members_1": .failed])
        #expect(experiment.reports(of: ensemble).map(\.returnCode) == [0, 3])
        let job = try #require(experiment.reports(of: ensemble).first?.jobID.split(separator: ".").first.map(String.init))
        for member in ensemble.members {
            #expect(launcher.endSource(of: JobID("\(job)/\(member.name)")) == .srun, "\(member.name)")
        }
        try release(launcher, jobs: [job])
    }
}
