import Testing
@testable import TandemExperiment

@Suite struct ParameterSpaceTests {
    let space: ParameterSpace = ["steps": ["50", "100"], "size": ["32", "64", "128"]]

    @Test func allPermutationsVaryTheLastParameterFastest() throws {
        let sets = try space.expand(.allPermutations)
        #expect(sets == [
            ["steps": "50", "size": "32"], ["steps": "50", "size": "64"], ["steps": "50", "size": "128"],
            ["steps": "100", "size": "32"], ["steps": "100", "size": "64"], ["steps": "100", "size": "128"],
        ])
        #expect(space.permutationCount == 6)
    }

    @Test func steppedTakesTheIthValueOfEveryParameter() throws {
        let stepped: ParameterSpace = ["a": ["1", "2", "3"], "b": ["x", "y", "z"]]
        #expect(try stepped.expand(.stepped) == [["a": "1", "b": "x"], ["a": "2", "b": "y"], ["a": "3", "b": "z"]])
    }

    @Test func steppedRefusesUnequalValueCounts() {
        #expect(throws: ExperimentError.self) { try space.expand(.stepped) }
        do {
            _ = try space.expand(.stepped)
        } catch {
            #expect(error.code == .invalidDeclaration)
            #expect(error.message.contains("steps: 2") && error.message.contains("size: 3"))
        }
    }

    @Test func randomSampleDrawsDistinctPermutationsReproduciblyBySeed() throws {
        let all = try space.expand(.allPermutations)
        let sample = try space.expand(.randomSample(count: 4, seed: 7))
        #expect(sample.count == 4)
        #expect(Set(sample).count == 4)
        #expect(sample.allSatisfy { all.contains($0) })
        #expect(try space.expand(.randomSample(count: 4, seed: 7)) == sample)
        // Another seed gives another sample (checked over several seeds: one could coincide).
        let others = try (8..<14).map { try space.expand(.randomSample(count: 4, seed: $0)) }
        #expect(others.contains { $0 != sample })
    }

    @Test func randomSampleOfAtLeastAllIsEveryPermutation() throws {
        #expect(try space.expand(.randomSample(count: 6, seed: 1)) == space.expand(.allPermutations))
        #expect(try space.expand(.randomSample(count: 60, seed: 1)) == space.expand(.allPermutations))
        #expect(throws: ExperimentError.self) { try space.expand(.randomSample(count: -1, seed: 1)) }
    }

    @Test func aSingleValuedSpaceIsOneSet() throws {
        let one: ParameterSpace = ["steps": ["100"]]
        #expect(try one.expand(.allPermutations) == [["steps": "100"]])
        #expect(try one.expand(.stepped) == [["steps": "100"]])
    }
}
