import Foundation
import Glibc
import Testing
import _TestSupport
@testable import TandemExperiment

/// The `tandem` admin CLI, run as the program it is.
@Suite struct TandemCLITests {
    let tandem = Peers.builtProgram("tandem")

    func run(_ arguments: [String], module: String? = nil) throws -> (status: Int32, output: String, error: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["TANDEM_MODULE_PATH"] = module
        return try TestEnvironment.run(tandem, arguments, environment: environment)
    }

    @Test func startDetachedThenStatusThenStop() throws {
        guard let module = Peers.module() else { return }
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "cli")
        let port = try TestEnvironment.freePort()
        let address = "127.0.0.1:\(port)"

        let started = try run(["start", "--port", "\(port)", "--threads", "2", "--detach", "--directory", directory.path], module: module)
        #expect(started.status == 0, "\(started.error)")
        #expect(started.output.contains("Database started at address: \(address)"))
        // Detached: the database outlived the command.
        let status = try run(["status", "--address", address])
        #expect(status.status == 0, "\(status.error)")
        #expect(status.output.contains("module:    ai"))
        #expect(status.output.contains("THREADS_PER_QUEUE 2"))

        let stopped = try run(["stop", "--address", address])
        #expect(stopped.status == 0, "\(stopped.error)")
        let after = try run(["status", "--address", address])
        #expect(after.status != 0)
        #expect(after.error.contains("cannot connect to \(address)"))
    }

    @Test func aBusyPortIsRefusedWithTheLibrarysMessage() throws {
        guard let module = Peers.module() else { return }
        let occupant = try RedisServer.start()
        defer { occupant.stop() }
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "cli")
        let result = try run(["start", "--port", "\(occupant.port)", "--directory", directory.path], module: module)
        #expect(result.status == 1)
        #expect(result.error.contains("port \(occupant.port) on 127.0.0.1 is already in use"))
    }

    @Test func badOptionsAreValidationErrors() throws {
        let result = try run(["stop", "--address", "nonsense"])
        #expect(result.status == 64)  // EX_USAGE, ArgumentParser's validation failure
        #expect(result.error.contains("host:port"))
    }
}
