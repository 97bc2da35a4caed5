import Testing
import HeatDiffusion
import TandemTensor
import TandemTesting

@Suite struct SteadyStateSolverTests {
    /// Fixed centers: several discs, one near a corner of the [0.2, 0.8]² box, two overlapping.
    static let fixedSources = [
        HeatSource(x: 0.3, y: 0.7), HeatSource(x: 0.62, y: 0.41),
        HeatSource(x: 0.66, y: 0.45), HeatSource(x: 0.2, y: 0.2), HeatSource(x: 0.8, y: 0.55),
    ]

    @Test(arguments: [16, 17, 23, 32, 40])
    func agreesWithDenseLU(size: Int) throws {
        let problem = try HeatProblem(size: size, sources: Self.fixedSources)
        let fast = try SteadyStateSolver().solve(problem).values.map(Double.init)
        let dense = DenseReference.solve(problem)
        #expect(maxAbsDifference(fast, dense) <= 1e-5)
        #expect(dense.max()! > 0.99, "the problem must have source points at size \(size)")
    }

    /// Every size from 3 to 200, odd and even (the coarse grids differ with the parity of
    /// each level), plus a larger one.
    @Test(arguments: Array(3...200) + [257])
    func satisfiesTheDiscreteSystem(size: Int) throws {
        var rng = SeededGenerator(seed: UInt64(size))
        let problem = try HeatProblem.random(size: size, using: &rng)
        let u = try SteadyStateSolver().solve(problem)
        let mask = problem.sourceMask
        var worst = 0.0
        for row in 0..<size {
            for column in 0..<size {
                let value = u[row, column]
                #expect(value >= 0 && value <= 1)
                if row == 0 || column == 0 || row == size - 1 || column == size - 1 {
                    #expect(value == 0)
                } else if mask[row, column] {
                    #expect(value == 1)
                } else {
                    let laplacian = 4 * Double(value) - Double(u[row - 1, column]) - Double(u[row + 1, column])
                        - Double(u[row, column - 1]) - Double(u[row, column + 1])
                    worst = max(worst, abs(laplacian))
                }
            }
        }
        #expect(worst <= 1e-5)
    }

    @Test func aSourceCoveringNoGridPointLeavesEverythingCold() throws {
        // At size 3 the only interior point is (0.5, 0.5); a source at (0.3, 0.3) misses it.
        let problem = try HeatProblem(size: 3, sources: [HeatSource(x: 0.3, y: 0.3)])
        #expect(try SteadyStateSolver().solve(problem).values == [Float](repeating: 0, count: 9))
    }

    @Test func sourcesReachingTheBoundaryKeepTheBoundaryCold() throws {
        let problem = try HeatProblem(size: 20, sources: [HeatSource(x: 0, y: 0.5, radius: 0.2)])
        let u = try SteadyStateSolver().solve(problem)
        #expect((0..<20).allSatisfy { u[$0, 0] == 0 })
        #expect(u[10, 1] == 1)
    }

    @Test func commutesWithEverySymmetry() throws {
        var rng = SeededGenerator(seed: 99)
        let problem = try HeatProblem.random(size: 37, using: &rng)
        let solution = try SteadyStateSolver().solve(problem)
        for symmetry in Symmetry.allCases {
            let transformed = symmetry.apply(to: problem)
            #expect(transformed.sourceMask == symmetry.apply(to: problem.sourceMask), "\(symmetry)")
            let direct = try SteadyStateSolver().solve(transformed)
            #expect(maxAbsDifference(direct.values, symmetry.apply(to: solution).values) <= 1e-6, "\(symmetry)")
        }
    }
}
