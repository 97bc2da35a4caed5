import Foundation
import Glibc
import Testing
import TandemTesting
@testable import TandemExperiment

/// A driver program (`experiment-test-driver`, built with the tests) starts a database and
/// sleeping members, then is interrupted: none of its children, nor their children, may survive.
@Suite struct InterruptTests {
    struct Driver {
        let process: Process
        let jobs: [String: pid_t]
        let grandchildren: [pid_t]
    }

    func startDriver(members: Int, port: Int?, module: String?, directory: URL, exitWhenReady: Bool = false) throws -> Driver {
        let process = Process()
        var environment = ProcessInfo.processInfo.environment
        environment["TANDEM_MODULE_PATH"] = module
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
            let deadline = ContinuousClock.now + .seconds(5)
            var pid: pid_t?
            while pid == nil && ContinuousClock.now < deadline {
                pid = (try? String(contentsOf: file, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                if pid == nil { usleep(2_000) }
            }
            if let pid { grandchildren.append(pid) }
        }
        return Driver(process: process, jobs: jobs, grandchildren: grandchildren)
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
        for pid in all {
            #expect(Processes.waitUntilGone(pid, timeout: .milliseconds(500)), "pid \(pid) survived the driver")
        }
        if let port {
            #expect(throws: ExperimentError.self) { try DatabaseConnection(host: "127.0.0.1", port: port) }
        }
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
        #expect(driver.jobs.count == 3 && driver.grandchildren.count == 2)
        for pid in Array(driver.jobs.values) + driver.grandchildren {
            #expect(Processes.waitUntilGone(pid, timeout: .milliseconds(500)), "pid \(pid) survived the driver")
        }
        #expect(throws: ExperimentError.self) { try DatabaseConnection(host: "127.0.0.1", port: port) }
    }
}
