import Foundation
import Testing
@testable import TandemExperiment

/// The variables a launched model gets to find its databases and key prefixes (`SSDB`,
/// `SR_DB_TYPE`, `SSKEYIN`, `SSKEYOUT`), exactly as SmartSim sets them.
@Suite struct ClientEnvironmentTests {
    let settings = RunSettings(executable: "/bin/true")
    let root = URL(fileURLWithPath: "/tmp/exp")

    func database(_ name: String = "orchestrator", port: Int = 6780) throws -> Orchestrator {
        try Orchestrator(name: name, port: port, interface: "lo", directory: root)
    }

    @Test func theTutorialsEnsembleAndTrainerGetSmartSimsVariables() throws {
        let ensemble = Ensemble(name: "sim", runSettings: settings, replicas: 2, directory: root)
        var trainer = Model(name: "train", runSettings: settings, directory: root)
        trainer.registerIncomingEntity(ensemble)
        let databases = [try database()]
        #expect(ensemble.members[0].clientEnvironment(databases: databases)
                == ["SSDB": "127.0.0.1:6780", "SR_DB_TYPE": "Standalone", "SSKEYOUT": "sim_0"])
        #expect(ensemble.members[1].clientEnvironment(databases: databases)["SSKEYOUT"] == "sim_1")
        #expect(trainer.clientEnvironment(databases: databases)
                == ["SSDB": "127.0.0.1:6780", "SR_DB_TYPE": "Standalone", "SSKEYIN": "sim_0,sim_1"])
    }

    @Test func aNamedDatabaseSuffixesOnlyItsOwnVariables() throws {
        var model = Model(name: "m", runSettings: settings, directory: root)
        model.enableKeyPrefixing()
        let environment = model.clientEnvironment(databases: [try database(), try database("features", port: 6790)])
        #expect(environment == [
            "SSDB": "127.0.0.1:6780", "SR_DB_TYPE": "Standalone",
            "SSDB_features": "127.0.0.1:6790", "SR_DB_TYPE_features": "Standalone",
            "SSKEYOUT": "m",
        ])
    }

    @Test func aPlainModelWithoutDatabaseGetsNothing() {
        #expect(Model(name: "m", runSettings: settings, directory: root).clientEnvironment(databases: []).isEmpty)
    }

    @Test func theLaunchEnvironmentLayersDriverSettingsAndClientVariables() throws {
        var model = Model(name: "m", runSettings: RunSettings(executable: "x", environment: ["A": "settings", "SSKEYOUT": "mine"]),
                          directory: root)
        model.enableKeyPrefixing()
        let environment = model.launchEnvironment(
            inheriting: ["A": "driver", "B": "driver", "SSKEYIN": "drivers-own"], databases: [try database()])
        #expect(environment["A"] == "settings")
        #expect(environment["B"] == "driver")
        #expect(environment["SSKEYIN"] == nil)
        #expect(environment["SSKEYOUT"] == "m")
        #expect(environment["SSDB"] == "127.0.0.1:6780")
    }
}
