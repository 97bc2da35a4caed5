import Foundation
import Glibc
import Synchronization
import Testing
import TandemTesting
@testable import TandemExperiment

/// Real child processes through an experiment and the local launcher.
@Suite struct LocalLauncherTests {
    func shell(_ script: String) -> RunSettings {
        RunSettings(executable: "/bin/sh", arguments: ["-c", script])
    }

    @Test func aMemberExitingNonZeroFailsWithItsCodeWhileTheOthersComplete() throws {
        let (experiment, directory) = try makeExperiment()
        let script = directory.appendingPathComponent("member.sh")
        try "exit ;code;\n".write(to: script, atomically: true, encoding: .utf8)
        var ensemble = try experiment.createEnsemble(
            "members", runSettings: RunSettings(executable: "/bin/sh", arguments: ["member.sh"]),
            parameters: ["code": ["0", "3", "0"]], strategy: .allPermutations)
        ensemble.attachFiles(configure: [script])
        try experiment.start(ensemble, block: true)

        #expect(experiment.status(of: ensemble) == ["members_0": .completed, "members_1": .failed, "members_2": .completed])
        #expect(experiment.reports(of: ensemble).map(\.returnCode) == [0, 3, 0])
        #expect(try experiment.finished(ensemble))
    }

    @Test func aMemberKilledByASignalIsReportedWithThatSignal() throws {
        let (experiment, _) = try makeExperiment()
        let model = experiment.createModel("victim", runSettings: shell("kill -SEGV $$"))
        try experiment.start(model)
        let report = try #require(experiment.reports(of: model).first)
        #expect(report.status == .failed)
        #expect(report.termination == .signalled(signal: SIGSEGV))
        #expect(report.returnCode == -SIGSEGV)
    }

    @Test func stopTerminatesASleepingMemberWellWithinTheGracePeriod() throws {
        let (experiment, _) = try makeExperiment()
        let sleeper = experiment.createModel("sleeper", runSettings: RunSettings(executable: "sleep", arguments: ["600"]))
        try experiment.start(sleeper, block: false)
        let pid = try #require(pid_t(experiment.reports(of: sleeper)[0].jobID))
        #expect(Processes.isAlive(pid))
        #expect(experiment.status(of: sleeper) == ["sleeper": .running])

        // A grace period far longer than any scheduling delay: ending by SIGTERM (not by the
        // SIGKILL that would follow it) shows that the polite request was enough.
        experiment.stop(sleeper, grace: .seconds(60))
        let report = experiment.reports(of: sleeper)[0]
        #expect(report.status == .cancelled)
        #expect(report.returnCode == -SIGTERM)
        #expect(!Processes.isAlive(pid))
    }

    @Test func aMemberIgnoringTerminateIsKilledAfterTheGracePeriod() throws {
        let (experiment, _) = try makeExperiment()
        // The whole group ignores SIGTERM (the ignored disposition is inherited by `sleep`).
        let stubborn = experiment.createModel("stubborn", runSettings: shell("trap '' TERM; echo up; while true; do sleep 0.05; done"))
        try experiment.start(stubborn, block: false)
        // Wait until the trap is set (the script printed), so SIGTERM is really ignored.
        let output = stubborn.directory.appendingPathComponent("stubborn.out")
        let deadline = ContinuousClock.now + .seconds(60)
        while (try? String(contentsOf: output, encoding: .utf8)) != "up\n" && ContinuousClock.now < deadline { usleep(2_000) }
        try #require((try? String(contentsOf: output, encoding: .utf8)) == "up\n", "the script never set its trap")

        let clock = ContinuousClock()
        let stopped = clock.measure { experiment.stop(stubborn, grace: .milliseconds(300)) }
        // Not before the grace period; the upper bound only catches a hang (the stop gives up
        // 5 s after the grace period).
        #expect(stopped >= .milliseconds(300) && stopped < .seconds(30), "took \(stopped)")
        let report = experiment.reports(of: stubborn)[0]
        #expect(report.status == .cancelled)
        #expect(report.returnCode == -SIGKILL)
    }

    @Test func outputAndErrorGoToTheEntitysFiles() throws {
        let (experiment, directory) = try makeExperiment()
        let model = experiment.createModel("talker", runSettings: shell("echo to-out; echo to-err >&2; pwd"))
        try experiment.start(model)
        let out = try String(contentsOf: directory.appendingPathComponent("talker/talker.out"), encoding: .utf8)
        let err = try String(contentsOf: directory.appendingPathComponent("talker/talker.err"), encoding: .utf8)
        #expect(out.hasPrefix("to-out\n"))
        #expect(out.contains(Experiment.realPath(model.directory.path)))  // runs in its own directory
        #expect(err == "to-err\n")
    }

    @Test func restartingAFinishedJobStartsANewRun() throws {
        let (experiment, _) = try makeExperiment()
        let model = experiment.createModel("again", runSettings: shell("exit 0"))
        try experiment.start(model)
        try experiment.start(model)
        #expect(experiment.reports().map(\.runID) == [0, 1])
        #expect(Set(experiment.reports().map(\.jobID)).count == 2)
    }

    @Test func aMissingExecutableIsRefusedBeforeAnythingStarts() throws {
        let (experiment, directory) = try makeExperiment()
        let good = experiment.createModel("good", runSettings: shell("echo ran > ran.txt"))
        let bad = experiment.createModel("bad", runSettings: RunSettings(executable: "no-such-program-tandem"))
        let error = #expect(throws: ExperimentError.self) { try experiment.start(good, bad) }
        #expect(error?.code == .executableNotFound)
        #expect(error?.message.contains("no-such-program-tandem") == true)
        #expect(experiment.reports().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("good/ran.txt").path))
    }

    @Test func waitingWithATimeoutGivesUpAndNamesWhatIsStillRunning() throws {
        let (experiment, _) = try makeExperiment()
        let slow = experiment.createModel("slow", runSettings: RunSettings(executable: "sleep", arguments: ["600"]))
        try experiment.start(slow, block: false)
        defer { experiment.stop(slow, grace: .milliseconds(100)) }
        let error = #expect(throws: ExperimentError.self) { try experiment.waitUntilFinished(slow, timeout: .milliseconds(100)) }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("slow") == true)
    }

    @Test func cancellingAnAsyncWaitStopsTheEntities() async throws {
        let (experiment, _) = try makeExperiment()
        let slow = experiment.createModel("slow", runSettings: RunSettings(executable: "sleep", arguments: ["600"]))
        try experiment.start(slow, block: false)
        let waiter = Task { try await experiment.wait(for: [slow], grace: .seconds(2)) }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(experiment.status(of: slow) == ["slow": .cancelled])
    }
}

extension LocalLauncherTests {
    /// Children are tied to the driver by a parent-death signal, which the kernel sends when
    /// the *thread* that forked ends: a job launched from a thread that then ends must live on.
    @Test func aJobLaunchedFromAThreadThatEndsKeepsRunning() throws {
        let (experiment, _) = try makeExperiment()
        let sleeper = experiment.createModel("sleeper", runSettings: RunSettings(executable: "sleep", arguments: ["600"]))
        defer { experiment.stop(sleeper, grace: .seconds(1)) }
        let started = Mutex(false)
        let thread = Thread {
            try? experiment.start(sleeper, block: false)
            started.withLock { $0 = true }
        }
        thread.name = "brief-launcher"
        thread.start()
        // Until the kernel has removed the thread (not only until Foundation says it finished).
        func threadExists() -> Bool {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
            return tasks.contains { task in
                (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
                    .trimmingCharacters(in: .newlines) == "brief-launcher"
            }
        }
        let gone = Processes.waitFor(timeout: .seconds(60)) { started.withLock { $0 } && !threadExists() ? true : nil }
        #expect(gone == true)
        let pid = try #require(pid_t(experiment.reports(of: sleeper).first?.jobID ?? ""))
        usleep(300_000)
        #expect(Processes.isAlive(pid), "the job died with the thread that launched it")
        #expect(experiment.status(of: sleeper) == ["sleeper": .running])
    }

    @Test func pollWaitsForEveryModelAndReportsTheUnfinished() throws {
        let (experiment, _) = try makeExperiment()
        let quick = experiment.createModel("quick", runSettings: shell("exit 0"))
        // Runs until the report has named it running, however slow the machine.
        let slower = experiment.createModel("slower", runSettings: shell("while [ ! -e go ]; do sleep 0.02; done"))
        try experiment.start(quick, slower, block: false)
        let lines = Mutex<[String]>([])
        let go = slower.directory.appendingPathComponent("go")
        experiment.poll(interval: .milliseconds(50)) { line in
            lines.withLock { $0.append(line) }
            if line.hasPrefix("slower(") { _ = FileManager.default.createFile(atPath: go.path, contents: nil) }
        }
        #expect(experiment.status(of: slower) == ["slower": .completed])
        let reported = lines.withLock { $0 }
        #expect(reported.contains { $0.hasPrefix("slower(") && $0.hasSuffix("): Running") })
    }
}
