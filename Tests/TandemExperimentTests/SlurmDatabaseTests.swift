import Foundation
import Glibc
import RESP
import Testing
import TandemTesting
@testable import TandemExperiment

/// The standalone database as one Slurm step: started, waited for until ready, used by a
/// model's step through `SSDB`, and stopped with scancel.
@Suite(.serialized, .enabled(if: Peers.moduleTestsEnabled)) struct SlurmDatabaseTests {
    @Test func theDatabaseRunsAsAStepAndServesTheModelsStep() throws {
        let module = try Peers.module()
        let cli = try Peers.redisCLI()
        try LocalSlurm.require()
        let launcher = try LocalSlurm.launcher()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm-db")
        let experiment = try Experiment(name: "db", directory: directory, launcher: launcher)
        var database = try experiment.createDatabase(port: try TestEnvironment.freePort())
        database.modulePath = module
        try experiment.start(database)

        let allocation = try #require(launcher.allocationID)
        let report = try #require(experiment.reports(of: database).first)
        #expect(report.entityType == "DBNode")
        #expect(report.status == .running)
        #expect(report.jobID.hasPrefix(allocation + "."), "the database's id is its step's: \(report.jobID)")
        #expect(try LocalSlurm.steps(of: allocation).contains(report.jobID))
        let connection = try DatabaseConnection(address: database.address)
        #expect(try connection.modules().map(\.name) == ["ai"])

        let writer = experiment.createModel("writer", runSettings: RunSettings(
            executable: "/bin/sh", arguments: ["-c", "\(cli) -h \"${SSDB%:*}\" -p \"${SSDB##*:}\" SET from-step \"$SLURM_STEP_ID\""]))
        try experiment.start(writer)
        #expect(experiment.status(of: writer) == ["writer": .completed])
        let writerStep = try #require(experiment.reports(of: writer).first?.jobID.split(separator: ".").last.map(String.init))
        #expect(try connection.send("GET", "from-step").string == writerStep)

        experiment.stop(database, grace: .seconds(30))
        #expect(experiment.status(of: database) == ["orchestrator_0": .cancelled])
        #expect(throws: ExperimentError.self) { try DatabaseConnection(address: database.address) }
        #expect(try TestEnvironment.waitUntil(seconds: 60) { try !LocalSlurm.steps(of: allocation).contains(report.jobID) })
        launcher.release()
        #expect(try TestEnvironment.waitUntil(seconds: 60) { try !LocalSlurm.queuedJobs().contains(allocation) })
    }
}
