import Foundation
import Glibc
import Testing
import TandemTesting
@testable import TandemExperiment

/// A driver that dies without cleaning up, and its watchdog with it (as a `kill -9` of both
/// would do): `tandem` finds the stale run, says what it left and how to stop it, marks its
/// status file, and `tandem runs --clean` stops what is left.
@Suite struct StaleRunTests {
    let tandem = TestEnvironment.builtProgram("tandem")

    func tandem(_ arguments: [String], runs: URL) throws -> (status: Int32, output: String, error: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["TANDEM_RUNS_DIR"] = runs.path
        return try TestEnvironment.run(tandem, arguments, environment: environment)
    }

    /// With its watchdog killed first, a killed driver's children still die (the kernel's
    /// parent-death signal), but their own children live on: `tandem` finds them.
    @Test func tandemFindsMarksAndCleansWhatAStaleRunLeft() throws {
        let module = try Peers.module()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "stale")
        let runs = directory.appendingPathComponent("runs")
        let port = try TestEnvironment.freePort()
        let driver = try InterruptTests().startDriver(members: 2, port: port, module: module, directory: directory, runs: runs)
        defer { for pid in driver.everyProcess { kill(pid, SIGKILL) } }
        let watchdog = try #require(driver.watchdog)
        #expect(driver.grandchildren.count == 2)

        // The record is private to its owner.
        let records = RunRegistry.records(in: runs)
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(Self.mode(of: runs.path) == 0o700 && Self.mode(of: record.file.path) == 0o600)
        #expect(!record.isStale && record.entry.jobs.count == 3)

        kill(watchdog, SIGKILL)
        #expect(Processes.waitUntilGone(watchdog))
        kill(driver.process.processIdentifier, SIGKILL)
        driver.process.waitUntilExit()
        for child in driver.jobs.values {
            #expect(Processes.waitUntilGone(child), "child \(child) outlived its driver")
        }
        #expect(driver.grandchildren.allSatisfy(Processes.isAlive), "the grandchildren are what is left")

        let listed = try tandem(["runs"], runs: runs)
        #expect(listed.status == 0, "\(listed.error)")
        #expect(listed.output.contains("stale run driver (driver pid \(driver.process.processIdentifier), gone)"), "\(listed.output)")
        #expect(listed.output.contains("sleepers_0 still runs: pid \(driver.grandchildren[0])"), "\(listed.output)")
        #expect(listed.output.contains("tandem runs --clean"))
        #expect(driver.grandchildren.allSatisfy(Processes.isAlive), "listing stops nothing")

        // Looking was enough to mark the status file.
        let statusFile = directory.appendingPathComponent("status.json")
        let state = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: statusFile)) as? [String: Any])
        #expect(state["state"] as? String == "killed")
        #expect((state["message"] as? String)?.contains("died without finishing") == true)

        let cleaned = try tandem(["runs", "--clean"], runs: runs)
        #expect(cleaned.status == 0, "\(cleaned.error)")
        #expect(cleaned.output.contains("stopped sleepers_0") && cleaned.output.contains("stopped sleepers_1"), "\(cleaned.output)")
        #expect(cleaned.output.contains("record removed"))
        for pid in driver.grandchildren {
            #expect(Processes.waitUntilGone(pid), "pid \(pid) survived tandem runs --clean")
        }
        #expect(RunRegistry.records(in: runs).isEmpty)
    }

    /// A stale run whose database still listens (here a record of a dead driver naming a live
    /// redis-server): `tandem` names it with the command that stops it, and can stop it.
    @Test func aStaleRunsDatabaseIsNamedWithTheCommandToStopIt() throws {
        let server = try RedisServer.start()
        defer { server.stop() }
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "stale-db")
        let runs = directory.appendingPathComponent("runs")
        let address = "127.0.0.1:\(server.port)"
        // A driver that has ended: a process that ran and was reaped.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let database = try #require(Int32(try DatabaseConnection(address: address).info()["process_id"] ?? ""))
        var entry = RunEntry(driverPID: gone.processIdentifier, driverStartTicks: 1, experiment: "lost", directory: directory.path)
        let ticks = try #require(ProcessIdentity.startTicks(of: database))
        // The same server recorded twice: once as it is, once as if it wanted a password.
        entry.jobs = [RunEntry.Job(name: "orchestrator_0", pid: database, startTicks: ticks, address: address),
                      RunEntry.Job(name: "guarded_0", pid: database, startTicks: ticks, address: address, requiresPassword: true)]
        try PrivateFiles.write(try JSONEncoder().encode(entry), to: runs.appendingPathComponent("1-1.json"))

        let status = try tandem(["status", "--address", address], runs: runs)
        #expect(status.error.contains("\(address) is the database orchestrator_0 (pid \(database)) of run lost"), "\(status.error)")
        #expect(status.error.contains("stop it with `tandem stop --address \(address)`"))

        let listed = try tandem(["runs"], runs: runs)
        #expect(listed.output.contains("database orchestrator_0 still runs: pid \(database), listening on \(address)"), "\(listed.output)")
        #expect(listed.output.contains("stop it with: tandem stop --address \(address)\n"))
        #expect(listed.output.contains("stop it with: tandem stop --address \(address) --password-file FILE\n"))
        #expect(server.isRunning)

        let cleaned = try tandem(["runs", "--clean"], runs: runs)
        #expect(cleaned.output.contains("stopped orchestrator_0 (pid \(database))"), "\(cleaned.output)")
        #expect(Processes.waitUntilGone(database))
        #expect(RunRegistry.records(in: runs).isEmpty)
    }

    @Test func aLiveRunIsNotStale() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "stale-live")
        let runs = directory.appendingPathComponent("runs")
        let driver = try InterruptTests().startDriver(members: 1, port: nil, module: nil, directory: directory, runs: runs)
        defer {
            kill(driver.process.processIdentifier, SIGTERM)
            driver.process.waitUntilExit()
        }
        let listed = try tandem(["runs", "--clean"], runs: runs)
        #expect(listed.output.contains("run driver (driver pid \(driver.process.processIdentifier), running)"), "\(listed.output)")
        #expect(driver.everyProcess.allSatisfy(Processes.isAlive), "a live run is left alone")
        let state = try String(contentsOf: directory.appendingPathComponent("status.json"), encoding: .utf8)
        #expect(state.contains("running"))
    }

    /// Records that someone else could have written are not believed: `--clean` would signal
    /// whatever pids they name.
    @Test func recordsInAFolderOthersCanWriteAreIgnored() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "stale-trust")
        let runs = directory.appendingPathComponent("runs")
        let entry = RunEntry(driverPID: 1, driverStartTicks: 1, experiment: "planted", directory: directory.path)
        let file = runs.appendingPathComponent("1-1.json")
        try PrivateFiles.write(try JSONEncoder().encode(entry), to: file)
        #expect(RunRegistry.records(in: runs).map(\.entry.experiment) == ["planted"])

        chmod(runs.path, 0o777)
        #expect(RunRegistry.records(in: runs).isEmpty, "a folder anyone may write to")
        chmod(runs.path, 0o700)
        if getuid() == 0 {
            chown(file.path, 65534, 65534)
            #expect(RunRegistry.records(in: runs).isEmpty, "a file of another user")
        }
    }

    static func mode(of path: String) -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return info.st_mode & 0o777
    }
}
