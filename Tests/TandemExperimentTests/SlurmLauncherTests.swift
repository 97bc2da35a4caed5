import Foundation
import Glibc
import Testing
import TandemTesting
@testable import TandemExperiment

/// The Slurm launcher against a real Slurm: the one-node cluster of `scripts/slurm-local.sh`,
/// started by the first test if it is not up (see ``LocalSlurm``). Serialized: the tests
/// share two CPUs and look at the whole queue.
@Suite(.serialized) struct SlurmLauncherTests {
    func shell(_ script: String) -> RunSettings {
        RunSettings(executable: "/bin/sh", arguments: ["-c", script])
    }

    /// Releases the launcher's allocation and checks that none of `jobs` (nor the allocation)
    /// is left in the queue.
    func releaseAndCheckQueue(_ launcher: SlurmLauncher, jobs: [String] = []) throws {
        let allocation = launcher.allocationID
        launcher.release()
        let ours = Set(jobs + (allocation.map { [$0] } ?? []))
        let gone = try TestEnvironment.waitUntil(seconds: 60) { try Set(LocalSlurm.queuedJobs()).isDisjoint(with: ours) }
        let left = (try? LocalSlurm.queuedJobs().filter(ours.contains)) ?? []
        #expect(gone, "left in squeue: \(left)")
    }

    @Test func aStepRunsInTheAllocationWithItsOutputFilesAndSlurmIds() throws {
        try LocalSlurm.require()
        let launcher = try LocalSlurm.launcher()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm")
        let experimentWithSlurm = try Experiment(name: "slurm", directory: directory, launcher: launcher)
        let model = experimentWithSlurm.createModel(
            "talker", runSettings: shell("echo job=$SLURM_JOB_ID step=$SLURM_STEP_ID; echo to-err >&2; pwd"))
        try experimentWithSlurm.start(model)

        let report = try #require(experimentWithSlurm.reports(of: model).first)
        #expect(report.status == .completed)
        #expect(report.returnCode == 0)
        let allocation = try #require(launcher.allocationID)
        // The summary's id is Slurm's <job>.<step>, and the step ran in the allocation.
        #expect(report.jobID.hasPrefix(allocation + "."))
        let step = String(report.jobID.dropFirst(allocation.count + 1))
        #expect(Int(step) != nil)
        let output = try String(contentsOf: model.directory.appendingPathComponent("talker.out"), encoding: .utf8)
        #expect(output == "job=\(allocation) step=\(step)\n\(model.directory.path)\n")
        let error = try String(contentsOf: model.directory.appendingPathComponent("talker.err"), encoding: .utf8)
        #expect(error == "to-err\n")
        #expect(experimentWithSlurm.summary().contains(report.jobID))
        try releaseAndCheckQueue(launcher)
    }

    @Test func aMemberExitingNonZeroFailsWithItsCodeWhileTheOthersComplete() throws {
        try LocalSlurm.require()
        let launcher = try LocalSlurm.launcher()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm")
        let experiment = try Experiment(name: "codes", directory: directory, launcher: launcher)
        let script = directory.appendingPathComponent("member.sh")
        try "exit ;code;\n".write(to: script, atomically: true, encoding: .utf8)
        var ensemble = try experiment.createEnsemble(
            "members", runSettings: RunSettings(executable: "/bin/sh", arguments: ["member.sh"]),
            parameters: ["code": ["0", "3", "0"]], strategy: .allPermutations)
        ensemble.attachFiles(configure: [script])
        try experiment.start(ensemble, block: true)

        #expect(experiment.status(of: ensemble) == ["members_0": .completed, "members_1": .failed, "members_2": .completed])
        #expect(experiment.reports(of: ensemble).map(\.returnCode) == [0, 3, 0])
        try releaseAndCheckQueue(launcher)
    }

    @Test func stopCancelsARunningStepWithScancel() throws {
        try LocalSlurm.require()
        let launcher = try LocalSlurm.launcher()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm")
        let experiment = try Experiment(name: "cancel", directory: directory, launcher: launcher)
        let sleeper = experiment.createModel("sleeper", runSettings: RunSettings(executable: "sleep", arguments: ["600"]))
        try experiment.start(sleeper, block: false)
        let step = experiment.reports(of: sleeper)[0].jobID
        let allocation = try #require(launcher.allocationID)
        #expect(experiment.status(of: sleeper) == ["sleeper": .running])
        #expect(try LocalSlurm.steps(of: allocation).contains(step))

        experiment.stop(sleeper, grace: .seconds(60))
        #expect(experiment.status(of: sleeper) == ["sleeper": .cancelled])
        let gone = try TestEnvironment.waitUntil(seconds: 60) { try !LocalSlurm.steps(of: allocation).contains(step) }
        #expect(gone, "step \(step) still in squeue after scancel")
        try releaseAndCheckQueue(launcher)
    }

    @Test func anMPMDStepRunsEachProgramWithItsOwnEnvironment() throws {
        try LocalSlurm.require()
        let launcher = try LocalSlurm.launcher()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm")
        let experiment = try Experiment(name: "mpmd", directory: directory, launcher: launcher)
        var settings = RunSettings(executable: "/bin/sh", arguments: ["-c", "echo first $WHO $SLURM_PROCID"],
                                   environment: ["WHO": "one"])
        var second = RunSettings(executable: "/bin/sh", arguments: ["-c", "echo second $WHO $SLURM_PROCID"],
                                 environment: ["WHO": "two"])
        second.resources.tasks = 2
        settings.makeMPMD(second)
        let model = experiment.createModel("both", runSettings: settings)
        try experiment.start(model)

        #expect(experiment.status(of: model) == ["both": .completed])
        let lines = try String(contentsOf: model.directory.appendingPathComponent("both.out"), encoding: .utf8)
            .split(separator: "\n").map(String.init).sorted()
        #expect(lines == ["first one 0", "second two 1", "second two 2"])
        try releaseAndCheckQueue(launcher)
    }

    @Test func aStepSlurmRefusesIsAnErrorInSlurmsWords() throws {
        try LocalSlurm.require()
        let launcher = try LocalSlurm.launcher()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm")
        let experiment = try Experiment(name: "refused", directory: directory, launcher: launcher)
        var settings = RunSettings(executable: "true")
        settings.resources.nodes = 5  // the cluster has one node
        let model = experiment.createModel("big", runSettings: settings)
        let error = #expect(throws: ExperimentError.self) { try experiment.start(model) }
        #expect(error?.code == .launchFailed)
        #expect(error?.message.contains("Slurm did not start big") == true)
        // srun's own words, e.g. "srun: error: Only allocated 1 nodes asked for 5".
        #expect(error?.message.contains("srun: error:") == true, "\(error?.message ?? "")")
        try releaseAndCheckQueue(launcher)
    }

    @Test func anAllocationInAMissingPartitionIsRefusedInSlurmsWords() throws {
        try LocalSlurm.require()
        let launcher = try SlurmLauncher(allocation: .obtain(.init(timeLimit: .seconds(60), partition: "no_such_partition")))
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm")
        let experiment = try Experiment(name: "partition", directory: directory, launcher: launcher)
        let model = experiment.createModel("any", runSettings: RunSettings(executable: "true"))
        let error = #expect(throws: ExperimentError.self) { try experiment.start(model) }
        #expect(error?.message.contains("Slurm refused the allocation") == true)
        #expect(error?.message.contains("invalid partition") == true, "\(error?.message ?? "")")
        #expect(launcher.allocationID == nil)
        try releaseAndCheckQueue(launcher)
    }

    @Test func aBatchEnsembleGoesFromPendingToRunningToItsMembersEnds() throws {
        try LocalSlurm.require()
        let launcher = try LocalSlurm.launcher()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm")
        let experiment = try Experiment(name: "batch", directory: directory, launcher: launcher)
        let go = directory.appendingPathComponent("go")
        let script = directory.appendingPathComponent("member.sh")
        // Each member says it runs, waits for the go file, then exits with its code.
        try "echo running $SSKEYOUT\nwhile [ ! -e \(go.path) ]; do sleep 0.05; done\nexit ;code;\n"
            .write(to: script, atomically: true, encoding: .utf8)
        var ensemble = try experiment.createEnsemble(
            "batch", runSettings: RunSettings(executable: "/bin/sh", arguments: ["member.sh"]),
            parameters: ["code": ["0", "4"]], strategy: .allPermutations)
        ensemble.attachFiles(configure: [script])
        // Held at submission, so the pending state is seen for sure.
        ensemble.batchSettings = BatchSettings(timeLimit: .seconds(600), batchArguments: ["--hold"])
        try experiment.start(ensemble, block: false)

        #expect(experiment.status(of: ensemble) == ["batch_0": .pending, "batch_1": .pending])
        let job = try #require(experiment.reports(of: ensemble).first?.jobID)
        #expect(Int(job) != nil, "a pending member shows its batch job's id, got \(job)")
        #expect(try LocalSlurm.queuedJobs().contains(job))

        try LocalSlurm.run("scontrol", ["release", job])
        let running = TestEnvironment.waitUntil(seconds: 60) {
            experiment.status(of: ensemble) == ["batch_0": .running, "batch_1": .running]
                && experiment.reports(of: ensemble).allSatisfy { $0.jobID.hasPrefix(job + ".") }
        }
        #expect(running, "\(experiment.status(of: ensemble)) \(experiment.reports(of: ensemble).map(\.jobID))")
        try Data().write(to: go)
        try experiment.waitUntilFinished(ensemble, timeout: .seconds(120))

        #expect(experiment.status(of: ensemble) == ["batch_0": .completed, "batch_1": .failed])
        #expect(experiment.reports(of: ensemble).map(\.returnCode) == [0, 4])
        for member in ensemble.members {
            let output = try String(contentsOf: member.directory.appendingPathComponent("\(member.name).out"), encoding: .utf8)
            #expect(output == "running \(member.name)\n")
        }
        let scriptText = try String(contentsOf: ensemble.directory.appendingPathComponent("batch.sbatch"), encoding: .utf8)
        #expect(scriptText.contains("#SBATCH --job-name=batch"))
        #expect(scriptText.hasSuffix("wait\n"))
        try releaseAndCheckQueue(launcher, jobs: [job])
    }

    @Test func stoppingABatchEnsembleCancelsItsSteps() throws {
        try LocalSlurm.require()
        let launcher = try LocalSlurm.launcher()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm")
        let experiment = try Experiment(name: "batchstop", directory: directory, launcher: launcher)
        var ensemble = experiment.createEnsemble("sleepers", runSettings: shell("echo up; exec sleep 600"), replicas: 2)
        ensemble.batchSettings = BatchSettings(timeLimit: .seconds(600))
        try experiment.start(ensemble, block: false)
        let started = TestEnvironment.waitUntil(seconds: 60) {
            ensemble.members.allSatisfy { member in
                (try? String(contentsOf: member.directory.appendingPathComponent("\(member.name).out"), encoding: .utf8)) == "up\n"
            }
        }
        #expect(started)
        let job = try #require(experiment.reports(of: ensemble).first?.jobID.split(separator: ".").first.map(String.init))

        experiment.stop(ensemble, grace: .seconds(30))
        #expect(experiment.status(of: ensemble) == ["sleepers_0": .cancelled, "sleepers_1": .cancelled])
        try releaseAndCheckQueue(launcher, jobs: [job])
    }

    @Test func aBatchJobInAMissingPartitionIsRefusedInSlurmsWords() throws {
        try LocalSlurm.require()
        let launcher = try LocalSlurm.launcher()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm")
        let experiment = try Experiment(name: "badbatch", directory: directory, launcher: launcher)
        var ensemble = experiment.createEnsemble("lost", runSettings: RunSettings(executable: "true"), replicas: 2)
        ensemble.batchSettings = BatchSettings(partition: "no_such_partition")
        let error = #expect(throws: ExperimentError.self) { try experiment.start(ensemble) }
        #expect(error?.code == .launchFailed)
        #expect(error?.message.contains("Slurm refused the batch job lost") == true)
        #expect(error?.message.contains("invalid partition") == true, "\(error?.message ?? "")")
        #expect(experiment.status(of: ensemble) == ["lost_0": .new, "lost_1": .new])
        try releaseAndCheckQueue(launcher)
    }
}

/// A driver launching through Slurm ends: whether it exits, is terminated or is killed, the
/// steps, the batch job and the allocation it obtained go with it, and so do the members' own
/// children.
@Suite(.serialized) struct SlurmDriverEndTests {
    @Test(arguments: [(batch: false, signal: SIGTERM), (batch: true, signal: SIGTERM), (batch: true, signal: 0),
                      (batch: false, signal: SIGKILL), (batch: true, signal: SIGKILL)])
    func nothingOutlivesTheDriver(batch: Bool, signal: Int32) throws {
        try LocalSlurm.require()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm-driver")
        let process = Process()
        var environment = ProcessInfo.processInfo.environment
        environment["TANDEM_TEST_LAUNCHER"] = "slurm"
        environment["TANDEM_TEST_BATCH"] = batch ? "1" : "0"
        environment["TANDEM_RUNS_DIR"] = directory.appendingPathComponent("runs").path
        process.environment = environment
        process.executableURL = URL(fileURLWithPath: TestEnvironment.builtProgram("experiment-test-driver"))
        // signal 0: the driver exits by itself once ready.
        process.arguments = [directory.path, "2", "0"] + (signal == 0 ? ["exit"] : [])
        let log = directory.appendingPathComponent("driver.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: log)
        try process.run()
        let ready = TestEnvironment.waitUntil(seconds: 120) {
            (try? String(contentsOf: log, encoding: .utf8))?.contains("ready\n") == true
        }
        try #require(ready, "the driver never got ready: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        let text = try String(contentsOf: log, encoding: .utf8)
        // Slurm's job ids the driver used: its allocation and (batch) the batch job.
        var jobs = Set<String>()
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            if words.first == "allocation", words.count == 2, words[1] != "none" { jobs.insert(words[1]) }
            if words.first == "job", words.count == 3 { jobs.insert(String(words[2].split(separator: ".")[0])) }
        }
        #expect(!jobs.isEmpty)
        #expect(try Set(LocalSlurm.queuedJobs()).isSuperset(of: jobs))
        let grandchildren = (0..<2).compactMap { i in
            (try? String(contentsOf: directory.appendingPathComponent("sleepers/sleepers_\(i)/grandchild.pid"), encoding: .utf8))
                .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        #expect(grandchildren.count == 2)

        if signal != 0 { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        let gone = try TestEnvironment.waitUntil(seconds: 60) { try Set(LocalSlurm.queuedJobs()).isDisjoint(with: jobs) }
        #expect(gone, "left in squeue after the driver ended: \((try? LocalSlurm.queuedJobs()) ?? [])")
        for pid in grandchildren { #expect(Processes.waitUntilGone(pid, timeout: .seconds(60)), "member child \(pid) survived") }
    }
}
