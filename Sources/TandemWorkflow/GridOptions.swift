import ArgumentParser
import HeatDiffusion

/// The options every workflow program shares: the grid's size and the seed of its random
/// choices. One declaration, so `heat-demo`, `fd-sim`, `surrogate-train` and
/// `online-training` accept the same sizes and say so the same way.
public struct GridOptions: ParsableArguments, Sendable {
    /// Grid points per side: the sizes the solver accepts.
    @Option(help: "Grid points per side (\(HeatProblem.sizes.lowerBound)…\(HeatProblem.sizes.upperBound)).")
    public var size = 64

    /// Seed of every random choice; drawn when omitted.
    @Option(help: "Seed of every random choice, for repeatable runs (drawn when omitted).")
    public var seed: UInt64?

    /// The defaults.
    public init() {}

    /// The bound the size must be within.
    public var sizeBound: OptionBound { OptionBound("--size", HeatProblem.sizes, size) }

    public func validate() throws {
        if let problem = OptionBound.firstViolation([sizeBound]) { throw ValidationError(problem) }
    }
}
