/// The discrete system of a problem on the full `size × size` grid, which is the padded
/// grid of its `size − 2` interior points: free points carry the 5-point stencil with
/// couplings to source points moved to the right-hand side; source points carry identity
/// rows.
///
/// The kernels here are the 5-point specialisations used on the finest level. They rely on
/// one invariant of the CG iteration and the V-cycle: every vector they see is 0 at source
/// points and on the boundary (the residual starts so and the operator keeps it so), which
/// lets them read all four neighbours unconditionally.
struct MaskedLaplacian: StencilCoefficients {
    /// Points per side, boundary included.
    let size: Int
    /// 1 at free interior points, 0 at source points and on the boundary.
    let freeMask: [Double]
    /// `b − A x₀` for x₀ = 1 at sources, 0 elsewhere: at a free point, the number of
    /// neighbouring source points; 0 elsewhere.
    let initialResidual: [Double]

    init(mask: SquareGrid<Bool>) {
        size = mask.size
        var free = [Double](repeating: 0, count: size * size)
        var residual = free
        for row in 1..<(size - 1) {
            for column in 1..<(size - 1) where !mask[row, column] { free[row * size + column] = 1 }
        }
        for row in 1..<(size - 1) {
            for column in 1..<(size - 1) where free[row * size + column] == 1 {
                let p = row * size + column
                for q in [p - size, p - 1, p + 1, p + size] where mask.values[q] { residual[p] += 1 }
            }
        }
        freeMask = free
        initialResidual = residual
    }

    /// The general-stencil view of the operator: 4 on free diagonals, 1 on source ones, −1
    /// between free neighbours.
    @inline(__always)
    func coefficient(at p: Int, _ k: Int) -> Double {
        if k == 4 { return freeMask[p] == 1 ? 4 : 1 }
        guard k & 1 == 1 else { return 0 }
        let q = p + (k / 3 - 1) * size + (k % 3 - 1)
        return freeMask[p] * freeMask[q] * -1
    }

    @inline(__always)
    func coefficientBetweenFreePoints(at p: Int, _ k: Int) -> Double { k == 4 ? 4 : -1 }

    static var couplings: [Int] { [1, 3, 4, 5, 7] }

    /// Free points whose four neighbours are free: their rows are the plain 5-point stencil.
    var genericPoints: [Bool] {
        freeMask.indices.map { p in
            freeMask[p] == 1 && freeMask[p - 1] == 1 && freeMask[p + 1] == 1
                && freeMask[p - size] == 1 && freeMask[p + size] == 1
        }
    }

    /// `y = A x`, for `x` that is 0 at source points.
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let s = size
        freeMask.withUnsafeBufferPointer { m in
            for row in 1..<(s - 1) {
                for p in (row * s + 1)..<(row * s + s - 1) {
                    y[p] = m[p] * (4 * x[p] - x[p - 1] - x[p + 1] - x[p - s] - x[p + s])
                }
            }
        }
    }

    /// `r = b − A x`, for `x` and `b` that are 0 at source points.
    func residual(_ x: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>,
                  into r: UnsafeMutableBufferPointer<Double>) {
        let s = size
        freeMask.withUnsafeBufferPointer { m in
            for row in 1..<(s - 1) {
                for p in (row * s + 1)..<(row * s + s - 1) {
                    r[p] = m[p] * (b[p] - 4 * x[p] + x[p - 1] + x[p + 1] + x[p - s] + x[p + s])
                }
            }
        }
    }

    /// Gauss–Seidel in red–black order: points with even `row + column` first, then odd
    /// ones (`forward`), or the reverse. With the 5-point stencil each colour's updates are
    /// independent, so a sweep vectorises, and forward followed by reverse is symmetric.
    /// Expects `b` that is 0 at source points.
    func gaussSeidel(_ x: UnsafeMutableBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, forward: Bool) {
        for colour in forward ? [0, 1] : [1, 0] { relax(colour: colour, x, b) }
    }

    /// Updates the points of one colour from their neighbours (all of the other colour).
    private func relax(colour: Int, _ x: UnsafeMutableBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>) {
        let s = size
        freeMask.withUnsafeBufferPointer { m in
            for row in 1..<(s - 1) {
                let first = row * s + 1 + ((row + 1 + colour) & 1)
                for p in Swift.stride(from: first, to: row * s + s - 1, by: 2) {
                    x[p] = 0.25 * m[p] * (b[p] + x[p - 1] + x[p + 1] + x[p - s] + x[p + s])
                }
            }
        }
    }
}
