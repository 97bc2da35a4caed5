import Foundation
import Glibc
import Testing
import TandemTesting
@testable import TandemExperiment

/// A driver program (`experiment-test-driver`, built with the tests) starts a database and
/// sleeping members, then is interrupted, exits or is killed: none of its children, nor their
/// children, may survive.
@Suite struct InterruptTests {
    struct Driver {
        let process: Process
        let jobs: [String: pid_t]
        let grandchildren: [pid_t]
        /// The driver's watchdog process.
        let watchdog: pid_t?

        var everyProcess: [pid_t] { Array(jobs.values) + grandchildren + (watchdog.map { [$0] } ?? []) }
    }

    /// Starts the driver and waits (generously: a loaded machine is slow) until it and every
    /// member's grandchild run.
    func startDriver(members: Int, port: Int?, module: String?, directory: URL, exitWhenReady: Bool = false,
                     runs: URL? = nil) throws -> Driver {
        let process = Process()
        var environment = ProcessInfo.processInfo.environment
        environment["TANDEM_MODULE_PATH"] = module
        environment["TANDEM_RUNS_DIR"] = runs?.path ?? directory.appendingPathComponent("runs").path
        process.environment = environment
        process.executableURL = URL(fileURLWithPath: TestEnvironment.builtProgram("experiment-test-driver"))
        process.arguments = [directory.path, String(members), String(port ?? 0)] + (exitWhenReady ? ["exit"] : [])
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var text = ""
        while !text.contains("ready\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        var jobs: [String: pid_t] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("job ") {
            let words = line.split(separator: " ")
            jobs[String(words[1])] = pid_t(words[2])
        }
        // Each member writes its grandchild's pid once the shell has started it.
        var grandchildren: [pid_t] = []
        for i in 0..<members {
            let file = directory.appendingPathComponent("sleepers/sleepers_\(i)/grandchild.pid")
            let pid = Processes.waitFor(timeout: .seconds(60)) {
                (try? String(contentsOf: file, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
            if let pid { grandchildren.append(pid) }
        }
        let watchdog = exitWhenReady ? nil : Processes.children(of: process.processIdentifier, named: "tandem-watchdog").first
        return Driver(process: process, jobs: jobs, grandchildren: grandchildren, watchdog: watchdog)
    }

    func interruptLeavesNoChild(signal: Int32, withDatabase: Bool) throws {
        var port: Int?, module: String?
        if withDatabase {
            module = try Peers.module()
            port = try TestEnvironment.freePort()
        }
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "driver")
        let driver = try startDriver(members: 3, port: port, module: module, directory: directory)
        #expect(driver.jobs.count == (withDatabase ? 4 : 3), "driver said: \(driver.jobs)")
        #expect(driver.grandchildren.count == 3)
        let all = Array(driver.jobs.values) + driver.grandchildren
        #expect(all.allSatisfy(Processes.isAlive))

        kill(driver.process.processIdentifier, signal)
        driver.process.waitUntilExit()
        #expect(driver.process.terminationReason == .uncaughtSignal)
        #expect(driver.process.terminationStatus == signal)
        for pid in driver.everyProcess {
            #expect(Processes.waitUntilGone(pid, timeout: .seconds(30)), "pid \(pid) survived the driver")
        }
        if let port {
            #expect(throws: ExperimentError.self) { try DatabaseConnection(host: "127.0.0.1", port: port) }
        }
        // An interrupted driver ends on purpose: it removes its run record.
        #expect(RunRegistry.records(in: directory.appendingPathComponent("runs")).isEmpty)
    }

    @Test func anInterruptedDriverLeavesNoChildNotEvenTheDatabase() throws {
        try interruptLeavesNoChild(signal: SIGINT, withDatabase: true)
    }

    @Test func aTerminatedDriverLeavesNoChild() throws {
        try interruptLeavesNoChild(signal: SIGTERM, withDatabase: false)
    }
}

extension InterruptTests {
    @Test func aDriverExitingWithoutStoppingLeavesNoChild() throws {
        let module = try Peers.module()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "driver")
        let port = try TestEnvironment.freePort()
        let driver = try startDriver(members: 2, port: port, module: module, directory: directory, exitWhenReady: true)
        driver.process.waitUntilExit()
        #expect(driver.process.terminationReason == .exit && driver.process.terminationStatus == 0)
        // The driver printed every job id, and read every grandchild pid before it exited.
        #expect(driver.jobs.count == 3 && driver.grandchildren.count == 2)
        for pid in driver.everyProcess {
            #expect(Processes.waitUntilGone(pid, timeout: .seconds(30)), "pid \(pid) survived the driver")
        }
        #expect(throws: ExperimentError.self) { try DatabaseConnection(host: "127.0.0.1", port: port) }
    }

    /// SIGKILL cannot be caught: the watchdog must end everything the driver started.
    @Test func aKilledDriverLeavesNoProcess() throws {
        let module = try Peers.module()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "driver-kill")
        let port = try TestEnvironment.freePort()
        let driver = try startDriver(members: 2, port: port, module: module, directory: directory)
        #expect(driver.jobs.count == 3 && driver.grandchildren.count == 2)
        let watchdog = try #require(driver.watchdog, "the driver has no tandem-watchdog child")
        #expect(driver.everyProcess.allSatisfy(Processes.isAlive))

        kill(driver.process.processIdentifier, SIGKILL)
        driver.process.waitUntilExit()
        #expect(driver.process.terminationReason == .uncaughtSignal && driver.process.terminationStatus == SIGKILL)
        for pid in driver.everyProcess {
            #expect(Processes.waitUntilGone(pid, timeout: .seconds(30)), "pid \(pid) survived the killed driver")
        }
        #expect(!Processes.isAlive(watchdog))
        #expect(throws: ExperimentError.self) { try DatabaseConnection(host: "127.0.0.1", port: port) }
    }
}
