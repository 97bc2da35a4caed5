import Foundation
import Glibc
import RESP
import Testing
import TandemTesting
@testable import TandemExperiment

/// The database through the experiment: a real redis-server with the real TandemAI module.
@Suite struct OrchestratorTests {
    @Test func startsReadyWithTheModuleLoadedAndPersistenceOff() throws {
        let module = try Peers.module()
        let (experiment, _) = try makeExperiment()
        var database = try experiment.createDatabase(port: try TestEnvironment.freePort(), threadsPerQueue: 2)
        database.modulePath = module
        try experiment.start(database)
        defer { experiment.stop(database) }

        #expect(experiment.status(of: database) == ["orchestrator_0": .running])
        let connection = try DatabaseConnection(address: database.address)
        #expect(try connection.send("PING") == .simpleString("PONG"))
        let modules = try connection.modules()
        #expect(modules.map(\.name) == ["ai"])
        #expect(modules.first?.path == module)
        #expect(modules.first?.arguments == ["THREADS_PER_QUEUE", "2"])
        #expect(try connection.send("CONFIG", "GET", "save").array?.last?.string == "")
        #expect(try connection.send("CONFIG", "GET", "appendonly").array?.last?.string == "no")
        #expect(try connection.send("CONFIG", "GET", "bind").array?.last?.string == "127.0.0.1")
        #expect(try connection.info()["tcp_port"] == String(database.port))
    }

    @Test func aModulePathRelativeToTheCurrentDirectoryLoads() throws {
        let module = try Peers.module()
        let (experiment, _) = try makeExperiment()
        var database = try experiment.createDatabase(port: try TestEnvironment.freePort())
        database.modulePath = Self.relativeToCurrentDirectory(module)
        #expect(database.modulePath?.hasPrefix("/") == false)
        try experiment.start(database)
        defer { experiment.stop(database) }
        let connection = try DatabaseConnection(address: database.address)
        #expect(try connection.modules().map(\.name) == ["ai"])
    }

    /// `path` written relative to the process's current directory (`../..` as needed).
    static func relativeToCurrentDirectory(_ path: String) -> String {
        let target = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.pathComponents
        let common = zip(target, here).prefix { $0 == $1 }.count
        return (Array(repeating: "..", count: here.count - common) + target.dropFirst(common)).joined(separator: "/")
    }

    @Test func stoppingTheDatabaseLeavesNoProcessAndCancelsIt() throws {
        let module = try Peers.module()
        let (experiment, _) = try makeExperiment()
        var database = try experiment.createDatabase(port: try TestEnvironment.freePort())
        database.modulePath = module
        try experiment.start(database)
        let pid = try #require(pid_t(experiment.reports(of: database)[0].jobID))
        #expect(Processes.isAlive(pid))
        experiment.stop(database)
        #expect(!Processes.isAlive(pid))
        #expect(experiment.status(of: database) == ["orchestrator_0": .cancelled])
        #expect(throws: ExperimentError.self) { try DatabaseConnection(address: database.address) }
    }

    @Test func snapshotsAreConfiguredWhenAsked() throws {
        let module = try Peers.module()
        let (experiment, _) = try makeExperiment()
        var database = try experiment.createDatabase(port: try TestEnvironment.freePort())
        database.modulePath = module
        database.persistence = .snapshots(everySeconds: 60, changes: 5)
        try experiment.start(database)
        defer { experiment.stop(database) }
        let connection = try DatabaseConnection(address: database.address)
        #expect(try connection.send("CONFIG", "GET", "save").array?.last?.string == "60 5")
    }

    @Test func aBusyPortFailsFastWithAClearErrorAndStartsNothing() throws {
        let module = try Peers.module()
        let occupant = try RedisServer.start()
        defer { occupant.stop() }
        let (experiment, directory) = try makeExperiment()
        var database = try experiment.createDatabase(port: occupant.port)
        database.modulePath = module
        let model = experiment.createModel("user", runSettings: RunSettings(executable: "/bin/true"))

        let clock = ContinuousClock()
        var error: ExperimentError?
        let elapsed = clock.measure { error = #expect(throws: ExperimentError.self) { try experiment.start(database, model) } }
        #expect(error?.code == .portInUse)
        #expect(error?.message.contains("port \(occupant.port)") == true)
        #expect(error?.message.contains("already in use") == true)
        // Refused by the check before launch, not after a readiness wait (15 s by default); the
        // bound is loose so that a loaded machine cannot fail it.
        #expect(elapsed < .seconds(10), "took \(elapsed)")
        #expect(experiment.reports().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("orchestrator/orchestrator_0.conf").path))
        #expect(occupant.isRunning)
    }

    @Test func aMissingRedisServerOrModuleFileIsRefusedBeforeAnythingStarts() throws {
        let (experiment, _) = try makeExperiment()
        var database = try experiment.createDatabase(port: try TestEnvironment.freePort())
        database.modulePath = "/nonexistent/libTandemAI.so"
        let missingModule = #expect(throws: ExperimentError.self) { try experiment.start(database) }
        #expect(missingModule?.code == .moduleNotFound)
        #expect(missingModule?.message.contains("/nonexistent/libTandemAI.so") == true)

        database.redisServer = "/nonexistent/redis-server"
        let missingServer = #expect(throws: ExperimentError.self) { try experiment.start(database) }
        #expect(missingServer?.code == .redisServerNotFound)
        #expect(experiment.reports().isEmpty)
    }

    @Test func anUnknownInterfaceIsRefusedWhenDeclared() throws {
        let (experiment, _) = try makeExperiment()
        let error = #expect(throws: ExperimentError.self) { try experiment.createDatabase(port: 6780, interface: "no-such-if0") }
        #expect(error?.code == .unknownInterface)
        #expect(error?.message.contains("lo") == true)  // lists the interfaces that exist
        #expect(try experiment.createDatabase(port: 6780, interface: "lo").host == "127.0.0.1")
    }

    @Test func aModuleThatFailsToLoadIsReportedWithTheServersLog() throws {
        let module = try Peers.module()
        let (experiment, _) = try makeExperiment()
        var database = try experiment.createDatabase(port: try TestEnvironment.freePort())
        database.modulePath = module
        database.moduleArguments = ["NOT_AN_OPTION", "1"]
        let error = #expect(throws: ExperimentError.self) { try experiment.start(database) }
        #expect(error?.code == .databaseNotReady)
        #expect(error?.message.contains("redis-server log") == true)
        #expect(experiment.status(of: database) != ["orchestrator_0": .running])
    }
}
