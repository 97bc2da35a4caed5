import Testing
import HeatDiffusion
import TandemTensor

@Suite struct HeatProblemTests {
    @Test func invalidProblemsGetClearErrors() {
        let source = HeatSource(x: 0.5, y: 0.5)
        #expect(throws: HeatDiffusionError.sizeTooSmall(2)) { try HeatProblem(size: 2, sources: [source]) }
        #expect(throws: HeatDiffusionError.sizeTooSmall(-7)) { try HeatProblem(size: -7, sources: [source]) }
        #expect(throws: HeatDiffusionError.sizeTooLarge(Int.max)) { try HeatProblem(size: Int.max, sources: [source]) }
        #expect(throws: HeatDiffusionError.noSources) { try HeatProblem(size: 16, sources: []) }
        for bad in [HeatSource(x: 1.2, y: 0.5), HeatSource(x: 0.5, y: -0.1),
                    HeatSource(x: 0.5, y: 0.5, radius: 0), HeatSource(x: 0.5, y: 0.5, radius: .infinity)] {
            #expect(throws: HeatDiffusionError.sourceOutOfDomain(bad)) { try HeatProblem(size: 16, sources: [source, bad]) }
        }
        // NaN never equals itself, so only the error's kind can be compared.
        #expect(throws: HeatDiffusionError.self) { try HeatProblem(size: 16, sources: [HeatSource(x: .nan, y: 0.5)]) }
        #expect(HeatDiffusionError.sizeTooSmall(2).description.contains("at least 3"))
    }

    @Test func sourcePointsAreStrictlyInsideTheDisc() throws {
        // size 11: h = 0.1; the disc of radius 0.1 at (0.5, 0.5) holds only its center,
        // because its four axis neighbours are at distance exactly 0.1 (not < 0.1).
        let problem = try HeatProblem(size: 11, sources: [HeatSource(x: 0.5, y: 0.5, radius: 0.1 + 1e-9)])
        let mask = problem.sourceMask
        #expect(mask.values.filter { $0 }.count == 5)
        let strict = try HeatProblem(size: 11, sources: [HeatSource(x: 0.5, y: 0.5, radius: 0.0999)])
        #expect(strict.sourceMask.values.filter { $0 }.count == 1)
        #expect(strict.initialTemperature[5, 5] == 1)
        #expect(strict.initialTemperature.values.reduce(0, +) == 1)
    }

    @Test func randomProblemsFollowTheReference() throws {
        var rng = SeededGenerator(seed: 1)
        var counts = Set<Int>()
        for _ in 0..<300 {
            let problem = try HeatProblem.random(size: 64, using: &rng)
            counts.insert(problem.sources.count)
            for s in problem.sources {
                #expect((0.2...0.8).contains(s.x) && (0.2...0.8).contains(s.y))
                #expect(s.radius == 0.05)
            }
        }
        #expect(counts == [1, 2, 3, 4, 5])
    }

    @Test func seedsRepeatAndTheDefaultIsRandom() throws {
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        #expect(try HeatProblem.random(size: 32, using: &a) == HeatProblem.random(size: 32, using: &b))
        let unseeded = try (0..<4).map { _ in try HeatProblem.random(size: 32) }
        #expect(Set(unseeded.map { $0.sources.first!.x }).count > 1)
    }
}
