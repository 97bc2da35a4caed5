import Foundation
import Glibc
import Testing
import _TestSupport
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

    @Test func tandemFindsReportsAndCleansAStaleRun() throws {
        let module = try Peers.module()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "stale")
        let runs = directory.appendingPathComponent("runs")
        let port = try TestEnvironment.freePort()
        let address = "127.0.0.1:\(port)"
        let driver = try InterruptTests().startDriver(members: 2, port: port, module: module, directory: directory, runs: runs)
        defer { for pid in driver.everyProcess { kill(-pid, SIGKILL); kill(pid, SIGKILL) } }
        let watchdog = try #require(driver.watchdog)
        let database = try #require(driver.jobs["orchestrator_0"])

        // The record is private to its owner.
        let records = RunRegistry.records(in: runs)
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(Self.mode(of: runs.path) == 0o700 && Self.mode(of: record.file.path) == 0o600)
        #expect(!record.isStale && record.entry.jobs.count == 3)

        // Kill the watchdog first, then the driver: nothing is left to clean up.
        kill(watchdog, SIGKILL)
        #expect(Processes.waitUntilGone(watchdog))
        kill(driver.process.processIdentifier, SIGKILL)
        driver.process.waitUntilExit()
        #expect(Processes.isAlive(database))

        let status = try tandem(["status", "--address", address], runs: runs)
        #expect(status.status == 0, "\(status.error)")
        #expect(status.error.contains("whose driver (pid \(driver.process.processIdentifier)) died"), "\(status.error)")
        #expect(status.error.contains("tandem stop --address \(address)"))

        // Looking was enough to mark the status file.
        let statusFile = directory.appendingPathComponent("status.json")
        let state = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: statusFile)) as? [String: Any])
        #expect(state["state"] as? String == "killed")
        #expect((state["message"] as? String)?.contains("died without finishing") == true)

        let listed = try tandem(["runs"], runs: runs)
        #expect(listed.status == 0, "\(listed.error)")
        #expect(listed.output.contains("stale run driver (driver pid \(driver.process.processIdentifier), gone)"), "\(listed.output)")
        #expect(listed.output.contains("database orchestrator_0 still runs: pid \(database), listening on \(address)"))
        #expect(listed.output.contains("stop it with: tandem stop --address \(address)"))
        #expect(listed.output.contains("tandem runs --clean"))
        #expect(Processes.isAlive(database), "listing stops nothing")

        let cleaned = try tandem(["runs", "--clean"], runs: runs)
        #expect(cleaned.status == 0, "\(cleaned.error)")
        #expect(cleaned.output.contains("stopped orchestrator_0 (pid \(database))"))
        #expect(cleaned.output.contains("record removed"))
        for pid in Array(driver.jobs.values) + driver.grandchildren {
            #expect(Processes.waitUntilGone(pid), "pid \(pid) survived tandem runs --clean")
        }
        #expect(RunRegistry.records(in: runs).isEmpty)
        #expect(throws: ExperimentError.self) { try DatabaseConnection(host: "127.0.0.1", port: port) }
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

    static func mode(of path: String) -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return info.st_mode & 0o777
    }
}
