/// A disc held at temperature 1: every grid point whose squared distance to the center is
/// below `radius²` is a source point.
public struct HeatSource: Sendable, Equatable {
    /// The center's x coordinate (the column direction), in [0, 1].
    public var x: Double
    /// The center's y coordinate (the row direction), in [0, 1].
    public var y: Double
    /// The disc's radius; the reference uses 0.05.
    public var radius: Double

    /// The reference radius of a heat source.
    public static let defaultRadius = 0.05

    /// Creates a source centered at (`x`, `y`).
    public init(x: Double, y: Double, radius: Double = HeatSource.defaultRadius) {
        self.x = x
        self.y = y
        self.radius = radius
    }
}
