import Foundation
import Glibc
import Testing
@testable import TandemExperiment

/// How run and batch settings become Slurm command lines and scripts, and how Slurm's
/// answers are read: no Slurm needed.
@Suite struct SlurmCommandLineTests {
    func step(_ resources: JobResources = JobResources(), mpmd: [LaunchStep.Program] = []) -> LaunchStep {
        LaunchStep(name: "sim", executable: "/bin/sim", arguments: ["--steps", "a b"], environment: ["A": "1"],
                   workingDirectory: URL(fileURLWithPath: "/w"), outputFile: URL(fileURLWithPath: "/w/sim.out"),
                   errorFile: URL(fileURLWithPath: "/w/sim.err"), resources: resources, mpmd: mpmd)
    }

    @Test func slurmTimesAreDaysHoursMinutesSecondsRoundedUp() {
        #expect(SlurmOptions.time(.seconds(59)) == "0-00:00:59")
        #expect(SlurmOptions.time(.milliseconds(61_500)) == "0-00:01:02")
        #expect(SlurmOptions.time(.seconds(90_061)) == "1-01:01:01")
    }

    @Test func runSettingsBecomeSrunOptionsWithOneTaskOnOneNodeByDefault() {
        let plain = SrunCommand(step: step(), allocation: "12", shareCPUs: true).arguments
        #expect(plain == ["-v", "--job-name=sim", "--jobid=12", "--overlap", "--overcommit", "--nodes=1", "--ntasks=1",
                          "--chdir=/w", "--output=/w/sim.out", "--error=/w/sim.err", "/bin/sim", "--steps", "a b"])
        let resources = JobResources(nodes: 2, tasksPerNode: 4, cpusPerTask: 2, timeLimit: .seconds(120), partition: "p",
                                     account: "acct", nodeList: ["n1", "n2"], launcherArguments: ["--mem=1G"])
        let sized = SrunCommand(step: step(resources), allocation: nil, shareCPUs: false).arguments
        #expect(sized == ["-v", "--job-name=sim", "--nodes=2", "--ntasks-per-node=4", "--cpus-per-task=2",
                          "--time=0-00:02:00", "--partition=p", "--account=acct", "--nodelist=n1,n2", "--mem=1G",
                          "--chdir=/w", "--output=/w/sim.out", "--error=/w/sim.err", "/bin/sim", "--steps", "a b"])
    }

    @Test func anMPMDStepIsAMultiProgFileWithEachProgramsEnvironment() {
        let other = LaunchStep.Program(executable: "/bin/train", arguments: ["it's"], environment: ["B": "2"], tasks: 3)
        let srun = SrunCommand(step: step(JobResources(tasks: 2), mpmd: [other]), allocation: "7", shareCPUs: true)
        #expect(srun.arguments.contains("--ntasks=5"))
        #expect(srun.arguments.suffix(2) == ["--multi-prog", "/w/sim.mpmd"])
        #expect(srun.multiProgramConfiguration == "0-1 /bin/sim --steps 'a b'\n2-4 env -u A B=2 /bin/train 'it'\\''s'\n")
    }

    @Test func srunsLogNamesTheStepAndItsErrors() {
        let log = "srun: jobid 3: nodes(1):`vm', cpu counts: 1(x1)\nsrun: launching StepId=3.14 on host vm, 1 tasks: 0\n"
        #expect(SrunCommand.stepID(inLog: log) == "3.14")
        #expect(SrunCommand.stepID(inLog: "srun: defined options\n") == nil)
        let refused = "srun: error: Only allocated 1 nodes asked for 5\nsrun: error: vm: task 0: Exited with exit code 2\n"
        #expect(SrunCommand.errors(inLog: refused) == ["srun: error: Only allocated 1 nodes asked for 5"])
    }

    @Test func aBatchScriptStartsEveryMemberAsABackgroundStepThenWaits() {
        var second = step()
        second.name = "sim2"
        second.environment = ["A": "1", "SSKEYOUT": "sim2"]
        second.outputFile = URL(fileURLWithPath: "/w/sim2.out")
        let batch = BatchLaunch(name: "ens", steps: [step(), second],
                                settings: BatchSettings(nodes: 1, partition: "p", preamble: ["module load x"]),
                                directory: URL(fileURLWithPath: "/e"), environment: ["A": "1"])
        let text = BatchScript(batch: batch, shareCPUs: false).text
        let lines = text.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(7)) == ["#!/bin/bash", "#SBATCH --job-name=ens", "#SBATCH --output=/e/ens.batch.out",
                                           "#SBATCH --error=/e/ens.batch.err", "#SBATCH --nodes=1", "#SBATCH --partition=p",
                                           "module load x"])
        #expect(lines[7].hasPrefix("{ srun -v --job-name=sim --nodes=1 --ntasks=1 "))
        #expect(lines[7].hasSuffix(" 2>/w/sim.srun; echo $? >/w/sim.exit; } &"))
        #expect(lines[8].hasPrefix("{ env SSKEYOUT=sim2 srun -v --job-name=sim2 "))
        #expect(lines.last == "wait")
    }

    @Test func sbatchAnswersAndJobStatesAreRead() {
        #expect(BatchScript.jobID(inParsableOutput: "42\n") == "42")
        #expect(BatchScript.jobID(inParsableOutput: "42;cluster\n") == "42")
        #expect(BatchScript.jobID(inParsableOutput: "sbatch: error\n") == nil)
        #expect(SlurmJobState.parseQueue("5|PENDING\n6|RUNNING\n7|COMPLETING\n") == ["5": .pending, "6": .running, "7": .running])
        let shown = "JobId=9 JobName=ens\n   JobState=CANCELLED Reason=None Dependency=(null)\n   ExitCode=0:15\n"
        #expect(SlurmJobState.parseJob(shown) == .ended("CANCELLED", exitCode: 0, signal: 15))
        #expect(SlurmJobState.parseJob("slurm_load_jobs error: Invalid job id specified") == nil)
    }

    @Test func sacctRecordsAndTheConfigurationAreRead() {
        let records = SlurmJobState.parseAccounting(
            "12|COMPLETED|0:0\n12.batch|COMPLETED|0:0\n12.0|FAILED|3:0\n12.1|CANCELLED by 0|0:15\n13|PENDING|0:0\n14|RUNNING|0:0\n")
        #expect(records["12.0"] == .ended("FAILED", exitCode: 3, signal: 0))
        #expect(records["12.1"] == .ended("CANCELLED", exitCode: 0, signal: 15))
        #expect(records["13"] == .pending)
        #expect(records["14"] == .running)
        #expect(records.count == 6)
        #expect(records["12"]?.termination == .exited(code: 0))
        #expect(records["12.0"]?.termination == .exited(code: 3))
        #expect(records["12.1"]?.termination == .signalled(signal: 15))
        #expect(records["13"]?.termination == nil)
        // Ended with neither code nor signal, and not COMPLETED: killed.
        #expect(SlurmJobState(name: "TIMEOUT", exitCode: 0, signal: 0).termination == .signalled(signal: SIGKILL))
        #expect(SlurmJobState.parseAccounting("sacct: error: Slurm accounting storage is disabled\n").isEmpty)

        #expect(SlurmLauncher.accountingConfigured(inConfiguration: "AccountingStorageHost   = localhost\nAccountingStorageType   = accounting_storage/slurmdbd\n"))
        #expect(!SlurmLauncher.accountingConfigured(inConfiguration: "AccountingStorageType   = accounting_storage/none\n"))
        #expect(!SlurmLauncher.accountingConfigured(inConfiguration: ""))
    }
}
