/// Why a heat-diffusion problem cannot be set up or solved.
public enum HeatDiffusionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The grid must have at least 3 points per side (one interior point).
    case sizeTooSmall(Int)
    /// The grid is larger than ``HeatProblem/maximumSize`` points per side.
    case sizeTooLarge(Int)
    /// A problem needs at least one heat source.
    case noSources
    /// A source's center lies outside [0, 1]², or its radius is not positive and finite.
    case sourceOutOfDomain(HeatSource)
    /// The iteration did not reach the tolerance (never expected; reported, not hidden).
    case didNotConverge(iterations: Int, residual: Double)

    public var description: String {
        switch self {
        case .sizeTooSmall(let size):
            "grid size \(size) is too small: at least 3 points per side are needed"
        case .sizeTooLarge(let size):
            "grid size \(size) is too large: at most \(HeatProblem.maximumSize) points per side are supported"
        case .noSources:
            "a heat-diffusion problem needs at least one heat source"
        case .sourceOutOfDomain(let s):
            "heat source at (\(s.x), \(s.y)) with radius \(s.radius) is outside the unit square or has an invalid radius"
        case .didNotConverge(let iterations, let residual):
            "solver did not converge after \(iterations) iterations (residual \(residual))"
        }
    }
}
