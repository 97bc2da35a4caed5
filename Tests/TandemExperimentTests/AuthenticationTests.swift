import Foundation
import Glibc
import RESP
import Testing
import TandemTesting
@testable import TandemExperiment

/// Databases with a password: the configuration, admin connections, TandemClient (through the
/// `tandem` data commands and as an experiment's member), and the rule that refuses an open
/// database on a network.
@Suite struct AuthenticationTests {
    let tandem = TestEnvironment.builtProgram("tandem")
    static let password = "s3cret \"quoted\" word"

    /// A running database with ``password``, and a file holding it.
    func withProtectedDatabase(_ body: (Experiment, Orchestrator, URL) throws -> Void) throws {
        let module = try Peers.module()
        let (experiment, directory) = try makeExperiment()
        var database = try experiment.createDatabase(port: try TestEnvironment.freePort())
        database.modulePath = module
        database.password = Self.password
        try experiment.start(database)
        defer { experiment.stop(database) }
        let passwordFile = directory.appendingPathComponent("password")
        try Data((Self.password + "\n").utf8).write(to: passwordFile)
        try body(experiment, database, passwordFile)
    }

    @Test func theDatabaseAsksForThePasswordAndItsFilesArePrivate() throws {
        try withProtectedDatabase { _, database, _ in
            let stranger = try DatabaseConnection(address: database.address)
            guard case .error(let refusal) = try stranger.send("PING") else {
                Issue.record("a client without the password was answered")
                return
            }
            #expect(refusal.hasPrefix("NOAUTH"))
            #expect(throws: ExperimentError.self) { try DatabaseConnection(address: database.address, password: "wrong") }

            let admin = try DatabaseConnection(address: database.address, password: Self.password)
            #expect(try admin.send("PING") == .simpleString("PONG"))
            #expect(try admin.modules().map(\.name) == ["ai"])

            let configuration = try String(contentsOf: database.configurationFile(), encoding: .utf8)
            #expect(configuration.contains("requirepass \"s3cret \\\"quoted\\\" word\""))
            #expect(configuration.contains("protected-mode yes"))
            #expect(StaleRunTests.mode(of: database.configurationFile().path) == 0o600)
            #expect(StaleRunTests.mode(of: database.directory.path) == 0o700)
        }
    }

    @Test func tandemClientsAuthenticateWithThePasswordAndAreToldWithout() throws {
        try withProtectedDatabase { _, database, passwordFile in
            var environment = ProcessInfo.processInfo.environment
            environment["TANDEM_DB_PASSWORD"] = nil
            let without = try TestEnvironment.run(tandem, ["keys", "--address", database.address], environment: environment)
            #expect(without.status == 1)
            #expect(without.error.contains("requires a password"), "\(without.error)")
            #expect(without.error.contains("TANDEM_DB_PASSWORD"))

            let wrongFile = passwordFile.deletingLastPathComponent().appendingPathComponent("wrong")
            try Data("nope\n".utf8).write(to: wrongFile)
            let wrong = try TestEnvironment.run(tandem, ["keys", "--address", database.address, "--password-file", wrongFile.path],
                                                environment: environment)
            #expect(wrong.status == 1)
            #expect(wrong.error.contains("refused the password"), "\(wrong.error)")

            let with = try TestEnvironment.run(tandem, ["keys", "--address", database.address, "--password-file", passwordFile.path],
                                               environment: environment)
            #expect(with.status == 0, "\(with.error)")
            environment["TANDEM_DB_PASSWORD"] = Self.password
            let fromEnvironment = try TestEnvironment.run(tandem, ["status", "--address", database.address], environment: environment)
            #expect(fromEnvironment.status == 0, "\(fromEnvironment.error)")
            #expect(fromEnvironment.output.contains("module:    ai"))
        }
    }

    @Test func membersReceiveThePasswordThroughTheEnvironment() throws {
        try withProtectedDatabase { experiment, database, _ in
            // The member is a TandemClient program: `tandem keys` with SSDB and TANDEM_DB_PASSWORD from the experiment.
            let member = experiment.createModel("lister", runSettings: RunSettings(executable: tandem, arguments: ["keys"]))
            try experiment.start(member, block: true)
            let report = try #require(experiment.reports(of: member).first)
            let errors = (try? String(contentsOf: member.directory.appendingPathComponent("lister.err"), encoding: .utf8)) ?? ""
            #expect(report.status == .completed, "the member failed: \(errors)")
            #expect(member.clientEnvironment(databases: [database])["TANDEM_DB_PASSWORD"] == Self.password)
        }
    }

    @Test func anOpenDatabaseOnANetworkIsRefusedUnlessMeant() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "auth-rule")
        var open = try Orchestrator(port: 6780, interface: "0.0.0.0", directory: directory)
        #expect(!open.isLoopback)
        #expect(throws: ExperimentError.self) { try open.checkAccessRule() }
        do {
            try open.checkAccessRule()
        } catch {
            #expect(error.code == .invalidDeclaration)
            #expect(error.message.contains("without a password") && error.message.contains("--no-password"))
        }
        open.allowsUnauthenticatedAccess = true
        try open.checkAccessRule()
        #expect(open.configuration(of: open.nodes[0], modulePath: "/m.so").contains("protected-mode no"))

        var protected = try Orchestrator(port: 6780, interface: "0.0.0.0", directory: directory)
        protected.password = "pw"
        try protected.checkAccessRule()
        protected.password = ""
        #expect(throws: ExperimentError.self) { try protected.checkAccessRule() }
        protected.password = "two\nlines"
        #expect(throws: ExperimentError.self) { try protected.checkAccessRule() }

        let loopback = try Orchestrator(port: 6780, interface: "lo", directory: directory)
        try loopback.checkAccessRule()
        #expect(loopback.configuration(of: loopback.nodes[0], modulePath: "/m.so").contains("protected-mode yes"))

        // The same rule through the CLI, before anything starts.
        let refused = try TestEnvironment.run(tandem, ["start", "--interface", "0.0.0.0", "--port", String(try TestEnvironment.freePort()),
                                                       "--directory", directory.appendingPathComponent("cli").path])
        #expect(refused.status == 1)
        #expect(refused.error.contains("refusing to serve database orchestrator on 0.0.0.0"), "\(refused.error)")
        let both = try TestEnvironment.run(tandem, ["start", "--no-password", "--password-file", "/x"])
        #expect(both.status == 64)
    }
}
