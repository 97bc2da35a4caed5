import Foundation
import Testing
@testable import TandemExperiment

@Suite struct EnsembleTests {
    let settings = RunSettings(executable: "/bin/true")
    let root = URL(fileURLWithPath: "/tmp/exp/ens")

    @Test func replicasAreNamedAndPlacedAfterTheEnsembleWithPrefixingOn() {
        let ensemble = Ensemble(name: "fd_simulation", runSettings: settings, replicas: 3, directory: root)
        #expect(ensemble.members.map(\.name) == ["fd_simulation_0", "fd_simulation_1", "fd_simulation_2"])
        #expect(ensemble.members.map(\.directory.path) == (0..<3).map { "/tmp/exp/ens/fd_simulation_\($0)" })
        #expect(ensemble.isKeyPrefixingEnabled)
        #expect(ensemble.jobNames == ensemble.members.map(\.name))
    }

    @Test func parameterMembersCarryTheirSets() throws {
        let ensemble = try Ensemble(name: "e", runSettings: settings, parameters: ["n": ["1", "2"]],
                                    strategy: .allPermutations, directory: root)
        #expect(ensemble.members.map(\.parameters) == [["n": "1"], ["n": "2"]])
    }

    @Test func anEmptyParameterSpaceIsRefused() {
        #expect(throws: ExperimentError.self) {
            try Ensemble(name: "e", runSettings: settings, parameters: ["n": []], strategy: .allPermutations, directory: root)
        }
    }

    @Test func prefixingAndIncomingEntitiesApplyToEveryMember() {
        var ensemble = Ensemble(name: "e", runSettings: settings, replicas: 2, directory: root)
        ensemble.disableKeyPrefixing()
        #expect(ensemble.members.allSatisfy { !$0.isKeyPrefixingEnabled })
        ensemble.enableKeyPrefixing()
        #expect(ensemble.isKeyPrefixingEnabled)
        let source = Model(name: "src", runSettings: settings, directory: root)
        ensemble.registerIncomingEntity(source)
        #expect(ensemble.members.allSatisfy { $0.incomingEntities == ["src"] })
    }

    @Test func membersAreIndependentValues() {
        var ensemble = Ensemble(name: "e", runSettings: settings, replicas: 2, directory: root)
        ensemble.members[0].runSettings.arguments.append("--only-me")
        #expect(ensemble.members[1].runSettings.arguments.isEmpty)
    }

    @Test func registeringAnEnsembleRegistersEachMemberOnce() {
        let ensemble = Ensemble(name: "sim", runSettings: settings, replicas: 2, directory: root)
        var trainer = Model(name: "train", runSettings: settings, directory: root)
        trainer.registerIncomingEntity(ensemble)
        trainer.registerIncomingEntity(ensemble.members[0])
        #expect(trainer.incomingEntities == ["sim_0", "sim_1"])
    }
}
