import TandemTensor

extension HeatProblem {
    /// The reference's random problem: 1 to 5 sources (uniform), centers uniform in
    /// [0.2, 0.8]², radius 0.05.
    ///
    /// - Parameters:
    ///   - size: points per side.
    ///   - generator: the randomness; pass a ``SeededGenerator`` to repeat a run exactly.
    /// - Throws: ``HeatDiffusionError`` for an invalid size.
    public static func random(size: Int, using generator: inout some RandomNumberGenerator) throws(HeatDiffusionError) -> HeatProblem {
        let count = Int.random(in: 1...5, using: &generator)
        let sources = (0..<count).map { _ in
            HeatSource(x: Double.random(in: 0.2...0.8, using: &generator),
                       y: Double.random(in: 0.2...0.8, using: &generator))
        }
        return try HeatProblem(size: size, sources: sources)
    }

    /// A random problem from the system's randomness (not repeatable).
    public static func random(size: Int) throws(HeatDiffusionError) -> HeatProblem {
        var generator = SystemRandomNumberGenerator()
        return try random(size: size, using: &generator)
    }
}
