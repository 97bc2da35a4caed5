import Foundation
import RESP
import Testing
import TandemTesting
@testable import TandemExperiment

/// Whole experiments: a database, ensembles and models that talk to it.
@Suite struct ExperimentTests {
    @Test func aThreeMemberPrefixedEnsembleWritesToItsOwnKeys() throws {
        let module = try Peers.module(), cli = try Peers.redisCLI()
        let (experiment, _) = try makeExperiment()
        var database = try experiment.createDatabase(port: try TestEnvironment.freePort())
        database.modulePath = module
        try experiment.start(database)
        defer { experiment.stop(database) }

        // Each member writes `<SSKEYOUT>.greeting` at the address SSDB gives it.
        let script = #"exec "$0" -h "${SSDB%:*}" -p "${SSDB##*:}" SET "$SSKEYOUT.greeting" "hello from $SSKEYOUT""#
        let ensemble = experiment.createEnsemble("writers", runSettings: RunSettings(executable: "/bin/sh", arguments: ["-c", script, cli]),
                                                 replicas: 3)
        try experiment.start(ensemble, block: true)
        #expect(experiment.status(of: ensemble).values.allSatisfy { $0 == .completed })

        let connection = try DatabaseConnection(address: database.address)
        let keys = try connection.send("KEYS", "*").array?.compactMap(\.string) ?? []
        #expect(Set(keys) == ["writers_0.greeting", "writers_1.greeting", "writers_2.greeting"])
        for i in 0..<3 {
            #expect(try connection.send("GET", "writers_\(i).greeting").string == "hello from writers_\(i)")
        }
    }

    @Test func smartRedisMembersPrefixTheirTensorsWithTheirNames() throws {
        let module = try Peers.module(), python = try Peers.python()
        let (experiment, directory) = try makeExperiment()
        var database = try experiment.createDatabase(port: try TestEnvironment.freePort())
        database.modulePath = module
        try experiment.start(database)
        defer { experiment.stop(database) }

        let script = directory.appendingPathComponent("member.py")
        try """
        import numpy as np
        from smartredis import Client
        Client(cluster=False).put_tensor("x", np.array([;value;], dtype=np.float32))
        """.write(to: script, atomically: true, encoding: .utf8)
        var ensemble = try experiment.createEnsemble("py", runSettings: RunSettings(executable: python, arguments: ["member.py"]),
                                                     parameters: ["value": ["1.5", "2.5", "3.5"]], strategy: .stepped)
        ensemble.attachFiles(configure: [script])
        try experiment.start(ensemble, block: true)
        #expect(experiment.status(of: ensemble).values.allSatisfy { $0 == .completed },
                "\(experiment.summary())")

        let connection = try DatabaseConnection(address: database.address)
        for (i, value) in [Float(1.5), 2.5, 3.5].enumerated() {
            let reply = try connection.send("AI.TENSORGET", "py_\(i).x", "BLOB").bytes ?? []
            #expect(reply.count == 4)
            #expect(reply.withUnsafeBytes { $0.loadUnaligned(as: Float.self) } == value)
        }
    }

    /// The flagship's structure: database; a 2-member ensemble with prefixing; a model with both
    /// members as incoming entities; started non-blocking, waited for, summarised; database stopped.
    @Test func theTutorialsStructureRunsThroughTheAPI() throws {
        let module = try Peers.module(), python = try Peers.python()
        let (experiment, directory) = try makeExperiment("surrogate_training")
        var database = try experiment.createDatabase(port: try TestEnvironment.freePort(), interface: "lo")
        database.modulePath = module
        try experiment.generate(database, overwrite: true)
        try experiment.start(database)

        let simulation = directory.appendingPathComponent("fd_sim.py")
        try """
        import os, numpy as np
        from smartredis import Client
        me = os.environ["SSKEYOUT"]
        Client(cluster=False).put_tensor("u_steady", np.array([int(me.rsplit("_", 1)[1]) + 1], dtype=np.float32))
        """.write(to: simulation, atomically: true, encoding: .utf8)
        let training = directory.appendingPathComponent("train.py")
        try """
        import os, numpy as np
        from smartredis import Client
        client, total = Client(cluster=False), 0.0
        for source in os.environ["SSKEYIN"].split(","):
            client.set_data_source(source)
            # Up to 120 s: a loaded machine can take long to start the members' Python.
            assert client.poll_tensor("u_steady", 20, 6000), source
            total += float(client.get_tensor("u_steady")[0])
        client.put_tensor("total", np.array([total], dtype=np.float32))
        """.write(to: training, atomically: true, encoding: .utf8)

        var ensemble = experiment.createEnsemble("fd_simulation", runSettings: RunSettings(executable: python, arguments: ["fd_sim.py"]),
                                                 replicas: 2)
        ensemble.attachFiles(copy: [simulation])
        ensemble.enableKeyPrefixing()
        try experiment.generate(ensemble, overwrite: true)
        var trainer = experiment.createModel("tf_training", runSettings: RunSettings(executable: python, arguments: ["train.py"]))
        trainer.attachFiles(copy: [training])
        for simulation in ensemble.members { trainer.registerIncomingEntity(simulation) }
        try experiment.generate(trainer, overwrite: true)

        try experiment.start(ensemble, trainer, block: false)
        while try !(experiment.finished(ensemble) && experiment.finished(trainer)) { usleep(20_000) }

        let connection = try DatabaseConnection(address: database.address)
        let total = try connection.send("AI.TENSORGET", "total", "BLOB").bytes ?? []
        #expect(total.withUnsafeBytes { $0.count == 4 ? $0.loadUnaligned(as: Float.self) : -1 } == 3)
        experiment.stop(database)

        #expect(experiment.status(of: ensemble) == ["fd_simulation_0": .completed, "fd_simulation_1": .completed])
        #expect(experiment.status(of: trainer) == ["tf_training": .completed], "\(experiment.summary())")
        let reports = experiment.reports()
        #expect(reports.map(\.name) == ["orchestrator_0", "fd_simulation_0", "fd_simulation_1", "tf_training"])
        #expect(reports.map(\.entityType) == ["DBNode", "Model", "Model", "Model"])
        #expect(reports.map(\.status) == [.cancelled, .completed, .completed, .completed])
        let table = experiment.summary()
        #expect(table.split(separator: "\n").count == 5)
        #expect(experiment.summary(format: .html).contains("<td>tf_training</td>"))
    }
}
