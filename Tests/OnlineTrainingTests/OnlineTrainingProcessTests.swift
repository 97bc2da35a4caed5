import Foundation
import Glibc
import TandemExperiment
import Testing
import TandemTesting

/// `online-training` when its processes die under it: the driver killed with SIGKILL leaves
/// nothing running, and a killed database is reported at once. Also its usage errors.
@Suite(.serialized) struct OnlineTrainingProcessTests {
    /// A long run at a small size, started in the background; returns once the database (every
    /// node of `databaseNodes`), the ensemble and the trainer all run (per `summary.json`), with
    /// their pids.
    static func startLongRun(output: URL, runs: URL, arguments: [String] = ["--steps", "400", "--epochs", "400"],
                             databaseNodes: Int = 1) throws -> (process: Process, pipe: Pipe, pids: [String: pid_t]) {
        let peers = try OnlineTrainingEndToEndTests.peers()
        let port = databaseNodes == 1 ? try TestEnvironment.freePort() : try TestEnvironment.freeClusterPorts(count: databaseNodes)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: peers.driver)
        process.arguments = ["--size", "32", "--depth", "2", "--seed", "5", "--port", String(port),
                             "--output", output.path, "--module", peers.module] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TANDEM_RUNS_DIR"] = runs.path
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let summaryURL = output.appendingPathComponent("summary.json")
        var pids: [String: pid_t] = [:]
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline && process.isRunning {
            if let data = try? Data(contentsOf: summaryURL),
               let summary = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let entities = summary["entities"] as? [[String: Any]], entities.count == 3 + databaseNodes,
               entities.allSatisfy({ $0["status"] as? String == "Running" }) {
                for entity in entities {
                    if let name = entity["name"] as? String, let pid = (entity["job_id"] as? String).flatMap({ pid_t($0) }) { pids[name] = pid }
                }
                break
            }
            usleep(50_000)
        }
        return (process, pipe, pids)
    }

    @Test func aKilledDriverLeavesNoProcessAndTandemMarksItsSummary() throws {
        let output = try TestEnvironment.makeTemporaryDirectory(prefix: "online-training-kill")
        let runs = output.appendingPathComponent("runs")
        let run = try Self.startLongRun(output: output, runs: runs)
        defer { if run.process.isRunning { kill(run.process.processIdentifier, SIGKILL) } }
        #expect(run.pids.count == 4, "the run did not get going: \(run.pids)")
        let watchdogs = Processes.children(of: run.process.processIdentifier, named: "tandem-watchdog")
        #expect(watchdogs.count == 1)

        kill(run.process.processIdentifier, SIGKILL)
        run.process.waitUntilExit()
        for pid in Array(run.pids.values) + watchdogs {
            #expect(Processes.waitUntilGone(pid, timeout: .seconds(30)), "pid \(pid) outlived the killed driver")
        }
        // Nor anything the jobs started: each job's process group is empty.
        for group in run.pids.values {
            #expect(Processes.members(ofGroup: group).isEmpty, "process group \(group) outlived the killed driver")
        }

        // The summary still says running until someone looks.
        let summaryURL = output.appendingPathComponent("summary.json")
        let before = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summaryURL)) as? [String: Any])
        #expect(before["state"] as? String == "running")
        let records = RunRegistry.records(in: runs)
        #expect(records.count == 1 && records.first?.isStale == true)
        let record = try #require(records.first)
        #expect(record.liveJobs.isEmpty)
        let reportURL = output.appendingPathComponent("report.html")
        let page = try String(contentsOf: reportURL, encoding: .utf8)
        #expect(page.contains(">running</span>") && page.contains("http-equiv=\"refresh\""))
        #expect(RunRegistry.markStatusFiles(of: record) == [summaryURL.path, reportURL.path])
        let after = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: summaryURL)) as? [String: Any])
        #expect(after["state"] as? String == "killed")
        let marked = try String(contentsOf: reportURL, encoding: .utf8)
        #expect(marked.contains(">killed</span> The driver (pid \(run.process.processIdentifier)) died"), "\(marked.prefix(2000))")
        #expect(!marked.contains(">running</span>") && !marked.contains("http-equiv=\"refresh\""), "the page stops saying it runs")
        #expect(RunRegistry.markStatusFiles(of: record).isEmpty, "marking twice changes nothing")
        #expect(RunRegistry.removeIfSettled(record))
    }

    @Test func aKilledDatabaseIsReportedAtOnce() throws {
        let output = try TestEnvironment.makeTemporaryDirectory(prefix: "online-training-db-kill")
        let run = try Self.startLongRun(output: output, runs: output.appendingPathComponent("runs"))
        defer { if run.process.isRunning { kill(run.process.processIdentifier, SIGKILL) } }
        let database = try #require(run.pids["orchestrator_0"], "the run did not get going: \(run.pids)")

        kill(database, SIGKILL)
        run.process.waitUntilExit()
        let said = String(decoding: run.pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(run.process.terminationReason == .exit && run.process.terminationStatus == 1, "\(said)")
        #expect(said.contains("the database process exited with signal 9 (orchestrator_0, pid \(database))"), "\(said)")
        // Said by the watcher, not after the client's retries ran out.
        #expect(!said.contains("gave up after") && !said.contains("Unable to connect"), "\(said)")
        for pid in run.pids.values { #expect(Processes.waitUntilGone(pid, timeout: .seconds(30)), "pid \(pid) outlived the run") }
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("summary.json"))) as? [String: Any])
        #expect(summary["state"] as? String == "failed")
        #expect((summary["message"] as? String)?.contains("database process exited with signal 9") == true)
    }

    @Test func countsOutOfBoundsAreUsageErrors() throws {
        let driver = TestEnvironment.builtProgram("online-training")
        let output = try TestEnvironment.makeTemporaryDirectory(prefix: "online-training-bounds")
        for (option, value) in [("--replicas", "1000000"), ("--steps", "100000000"), ("--epochs", "10000000"),
                                ("--test-cases", "10000000"), ("--checkpoint-every", "0"), ("--size", "4096")] {
            let result = try TestEnvironment.run(driver, [option, value, "--output", output.path])
            #expect(result.status == 64, "\(option) \(value): \(result.error)")
            #expect(result.error.contains(option), "\(result.error)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.path).isEmpty, "nothing was written")
        for (program, arguments) in [("fd-sim", ["--steps", "100000000"]), ("fd-sim", ["--batch", "1000000"]),
                                     ("surrogate-train", ["--epochs", "100000000"]), ("surrogate-train", ["--batch", "0"]),
                                     ("heat-demo", ["--cases", "0"]), ("tandem-bench", ["train", "--cases", "nothing"]),
                                     ("tandem-bench", ["infer", "--threads", "0"])] {
            let result = try TestEnvironment.run(TestEnvironment.builtProgram(program), arguments)
            #expect(result.status == 64, "\(program) \(arguments): \(result.error)")
            #expect(result.error.contains(arguments[arguments.count - 2]), "\(result.error)")
        }
        // Every program takes the grid size from one declaration, so they refuse the same sizes in the same words.
        for (program, arguments) in [("heat-demo", [String]()), ("fd-sim", []), ("surrogate-train", []),
                                     ("online-training", []), ("tandem-bench", ["infer"])] {
            for size in ["2", "2050"] {
                let result = try TestEnvironment.run(TestEnvironment.builtProgram(program), arguments + ["--size", size])
                #expect(result.status == 64, "\(program) --size \(size): \(result.error)")
                #expect(result.error.contains("--size must be 3…2049, got \(size)"), "\(program): \(result.error)")
            }
        }
    }

    @Test func anOutputUnderAFileSaysSo() throws {
        let parent = try TestEnvironment.makeTemporaryDirectory(prefix: "online-training-output")
        let file = parent.appendingPathComponent("plain")
        try Data("x".utf8).write(to: file)
        for program in ["online-training", "heat-demo"] {
            let result = try TestEnvironment.run(TestEnvironment.builtProgram(program),
                                                 ["--output", file.appendingPathComponent("x").path])
            #expect(result.status == 1, "\(program)")
            #expect(result.error.contains("\(file.path) is a file, not a folder"), "\(program): \(result.error)")
            #expect(!result.error.contains("NSCocoaErrorDomain"))
        }
    }

    @Test func theOutputFolderIsPrivate() throws {
        let parent = try TestEnvironment.makeTemporaryDirectory(prefix: "online-training-private")
        let output = parent.appendingPathComponent("new/run")
        // A refused database port stops the run right after the folder is made.
        let occupant = try RedisServer.start()
        defer { occupant.stop() }
        let module = try Peers.module()
        _ = try TestEnvironment.run(TestEnvironment.builtProgram("online-training"),
                                    ["--size", "16", "--depth", "2", "--steps", "2", "--epochs", "1", "--test-cases", "1",
                                     "--port", String(occupant.port), "--output", output.path, "--module", module])
        var info = stat()
        #expect(stat(output.path, &info) == 0 && info.st_mode & 0o777 == 0o700)
    }
}
