/// Which points of a heat-diffusion field are near a source: within 0.05 of the plate (one
/// source radius) of a source point, as a Chebyshev distance in grid points (at least 1).
/// The steady state is steepest there, so errors are reported apart for these points and
/// for the far field.
public enum NearSource {
    /// The reach in grid points for a `size × size` grid.
    public static func reach(size: Int) -> Int { max(1, Int((0.05 * Double(size - 1)).rounded())) }

    /// For each point of the row-major `size × size` source map (1 at sources), whether it is near one.
    ///
    /// - Precondition: `sources.count == size * size`.
    public static func mask(sources: [Float], size n: Int) -> [Bool] {
        precondition(sources.count == n * n, "\(sources.count) values do not fill \(n)×\(n)")
        let reach = reach(size: n)
        var mask = [Bool](repeating: false, count: n * n)
        for y in 0..<n {
            for x in 0..<n where sources[y * n + x] > 0.5 {
                for yy in max(0, y - reach)...min(n - 1, y + reach) {
                    for xx in max(0, x - reach)...min(n - 1, x + reach) { mask[yy * n + xx] = true }
                }
            }
        }
        return mask
    }
}
