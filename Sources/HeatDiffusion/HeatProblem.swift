import TandemTensor

/// One steady-state heat-diffusion problem: a `size × size` grid on [0, 1]² with spacing
/// h = 1/(size−1), the outer boundary held at 0 and every source point held at 1.
///
/// ```swift
/// let problem = try HeatProblem(size: 64, sources: [HeatSource(x: 0.3, y: 0.6)])
/// let steady = try SteadyStateSolver().solve(problem)
/// ```
public struct HeatProblem: Sendable, Equatable {
    /// Points per side.
    public let size: Int
    /// The heat sources, at least one.
    public let sources: [HeatSource]

    /// The grid sizes accepted, in points per side: at least one interior point, and at most
    /// a size whose solution fits comfortably in memory, so that an absurd size is an error,
    /// not an allocation failure.
    public static let sizes = 3...2049

    /// The largest grid accepted.
    public static var maximumSize: Int { sizes.upperBound }

    /// Creates a problem after validating it.
    ///
    /// - Throws: ``HeatDiffusionError`` for a size below 3 or above ``maximumSize``, no
    ///   sources, or a source whose center is outside [0, 1]² or whose radius is not positive.
    public init(size: Int, sources: [HeatSource]) throws(HeatDiffusionError) {
        guard size >= Self.sizes.lowerBound else { throw .sizeTooSmall(size) }
        guard size <= Self.maximumSize else { throw .sizeTooLarge(size) }
        guard !sources.isEmpty else { throw .noSources }
        for source in sources {
            guard (0...1).contains(source.x), (0...1).contains(source.y),
                  source.radius.isFinite, source.radius > 0 else { throw .sourceOutOfDomain(source) }
        }
        self.size = size
        self.sources = sources
    }

    /// Whether each grid point is a source point (held at 1). Boundary points never are:
    /// the boundary condition u = 0 wins where a disc reaches the edge.
    public var sourceMask: SquareGrid<Bool> {
        let h = 1 / Double(size - 1)
        var mask = SquareGrid(size: size, repeating: false)
        for source in sources {
            let r2 = source.radius * source.radius
            // Only rows and columns within the disc's bounding box can hold its points.
            let low = { (c: Double) in max(1, Int(((c - source.radius) / h).rounded(.down))) }
            let high = { (c: Double) in min(self.size - 2, Int(((c + source.radius) / h).rounded(.up))) }
            guard low(source.y) <= high(source.y), low(source.x) <= high(source.x) else { continue }
            for row in low(source.y)...high(source.y) {
                let dy = Double(row) * h - source.y
                for column in low(source.x)...high(source.x) {
                    let dx = Double(column) * h - source.x
                    if dx * dx + dy * dy < r2 { mask[row, column] = true }
                }
            }
        }
        return mask
    }

    /// The initial temperature: 1 at source points, 0 elsewhere (the tutorial's `u_init`).
    public var initialTemperature: SquareGrid<Float> {
        let mask = sourceMask
        return SquareGrid(size: size, values: mask.values.map { $0 ? 1 : 0 })
    }
}
