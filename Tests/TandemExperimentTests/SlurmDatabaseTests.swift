import Foundation
import Glibc
import RESP
import Testing
import TandemTesting
@testable import TandemExperiment

/// The database through Slurm: a standalone one as one step (started, waited for until
/// ready, used by a model's step through `SSDB`, stopped with scancel), and a sharded one as
/// one step per node, formed into a Redis Cluster once every step runs.
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

    /// Three shards on three hosts (network namespaces): each node binds its own host's
    /// `eth0`, which the driver learns from the steps, and the cluster forms across hosts.
    @Test func aShardedDatabaseSpreadsOverHosts() throws {
        let module = try Peers.module()
        try LocalSlurm.requireHosts(3)
        let launcher = try LocalSlurm.hostsLauncher(nodes: 3)
        defer { launcher.release() }
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm-hosts")
        let experiment = try Experiment(name: "db", directory: directory, launcher: launcher)
        var database = try experiment.createDatabase(port: try TestEnvironment.freeClusterPorts(count: 3), interface: "eth0", shards: 3)
        database.modulePath = module
        database.password = "hosts-secret"
        database.readinessTimeout = .seconds(120)
        try experiment.start(database)
        defer { experiment.stop(database, grace: .seconds(30)) }

        let running = try #require(experiment.running(database))
        let hosts = running.nodes.map(\.host)
        #expect(Set(hosts).count == 3, "one node per host: \(hosts)")
        #expect(hosts.allSatisfy { $0.hasPrefix("10.77.0.") }, "\(hosts)")
        for node in running.nodes {
            let connection = try DatabaseConnection(address: node.address, password: "hosts-secret")
            #expect(try connection.clusterState() == "ok")
            // The cluster's own view names every node by the address its host gave it.
            #expect(Set(try connection.clusterNodes()?.map(\.address) ?? []) == Set(running.nodes.map(\.address)))
        }
        #expect(running.clientAddresses == running.nodes.map(\.address).joined(separator: ","))
    }

    @Test func aShardedDatabaseRunsAsOneStepPerNode() throws {
        let module = try Peers.module()
        try LocalSlurm.require()
        let launcher = try LocalSlurm.launcher()
        defer { launcher.release() }
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "slurm-cluster")
        let experiment = try Experiment(name: "db", directory: directory, launcher: launcher)
        var database = try experiment.createDatabase(port: try TestEnvironment.freeClusterPorts(count: 3), shards: 3)
        database.modulePath = module
        database.readinessTimeout = .seconds(120)
        try experiment.start(database)

        let allocation = try #require(launcher.allocationID)
        let reports = experiment.reports(of: database)
        #expect(reports.map(\.name) == ["orchestrator_0", "orchestrator_1", "orchestrator_2"])
        let steps = try LocalSlurm.steps(of: allocation)
        for report in reports {
            #expect(report.status == .running && report.jobID.hasPrefix(allocation + "."), "\(report.jobID)")
            #expect(steps.contains(report.jobID), "each node is a step of the allocation")
        }
        // Each node's step reported the address it bound on its host; clients get those.
        let running = try #require(experiment.running(database))
        for node in running.nodes {
            let reported = try String(contentsOf: running.directory.appendingPathComponent("\(node.name).host"), encoding: .utf8)
            #expect(reported == "127.0.0.1\n" && node.host == "127.0.0.1", "\(node.name): \(reported)")
            #expect(running.learnedHosts[node.name] == node.host)
            let connection = try DatabaseConnection(address: node.address)
            #expect(try connection.clusterState() == "ok")
            #expect(try connection.clusterNodes()?.count == 3)
            #expect(try connection.send("CONFIG", "GET", "bind").array?.last?.string == "127.0.0.1")
        }

        experiment.stop(database, grace: .seconds(30))
        #expect(experiment.reports(of: database).allSatisfy { $0.status == .cancelled })
        #expect(try TestEnvironment.waitUntil(seconds: 60) {
            try Set(LocalSlurm.steps(of: allocation)).isDisjoint(with: reports.map(\.jobID))
        })
    }
}
