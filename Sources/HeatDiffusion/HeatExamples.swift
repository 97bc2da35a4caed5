/// Random problems solved: initial temperatures and steady states as flat `Float` arrays
/// (`count × size × size`, row-major), the surrogate's training and test data.
public struct HeatExamples: Sendable {
    /// Grid points per side.
    public let size: Int
    /// The initial temperatures, one grid after the other.
    public let initial: [Float]
    /// The steady states, in the same order.
    public let steady: [Float]

    /// The number of examples (simulations, ×8 when augmented).
    public var count: Int { initial.count / (size * size) }

    /// `simulations` random problems drawn from `generator` and solved; with `augmented`,
    /// each batch of simulations ×8 by the symmetries, symmetry-major (as fd-sim uploads it).
    public static func random(simulations: Int, size: Int, augmented: Bool,
                              using generator: inout some RandomNumberGenerator) throws(HeatDiffusionError) -> HeatExamples {
        let solver = SteadyStateSolver()
        var initial: [SquareGrid<Float>] = [], steady: [SquareGrid<Float>] = []
        for _ in 0..<simulations {
            let problem = try HeatProblem.random(size: size, using: &generator)
            initial.append(problem.initialTemperature)
            steady.append(try solver.solve(problem))
        }
        if augmented {
            initial = Symmetry.augment(initial)
            steady = Symmetry.augment(steady)
        }
        return HeatExamples(size: size, initial: initial.flatMap(\.values), steady: steady.flatMap(\.values))
    }

    /// The mean absolute error of predicting all zeros.
    public var zerosMeanAbsoluteError: Double { meanAbsoluteError { _ in 0 } }

    /// The mean absolute error of returning the input itself.
    public var identityMeanAbsoluteError: Double { meanAbsoluteError { initial[$0] } }

    private func meanAbsoluteError(_ prediction: (Int) -> Float) -> Double {
        var total = 0.0
        for i in steady.indices { total += Double(abs(steady[i] - prediction(i))) }
        return total / Double(max(steady.count, 1))
    }
}
