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
        // 1 at interior source points, 0 elsewhere (the boundary is never a source point).
        var source = [Double](repeating: 0, count: size * size)
        var free = source, residual = source
        let s = size
        mask.values.withUnsafeBufferPointer { mask in
            source.withUnsafeMutableBufferPointer { source in
                free.withUnsafeMutableBufferPointer { free in
                    residual.withUnsafeMutableBufferPointer { residual in
                        for row in 1..<(s - 1) {
                            for p in (row * s + 1)..<(row * s + s - 1) {
                                if mask[p] { source[p] = 1 } else { free[p] = 1 }
                            }
                        }
                        for row in 1..<(s - 1) {
                            for p in (row * s + 1)..<(row * s + s - 1) {
                                residual[p] = free[p] * (source[p &- 1] + source[p &+ 1] + source[p &- s] + source[p &+ s])
                            }
                        }
                    }
                }
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

    static var galerkinTable: GalerkinTable { .fivePoint }

    /// Free points whose four neighbours are free: their rows are the plain 5-point stencil.
    var genericPoints: [Bool] {
        let s = size
        var generic = [Bool](repeating: false, count: s * s)
        freeMask.withUnsafeBufferPointer { m in
            generic.withUnsafeMutableBufferPointer { generic in
                for row in 1..<(s - 1) {
                    for p in (row * s + 1)..<(row * s + s - 1) {
                        generic[p] = m[p] + m[p &- 1] + m[p &+ 1] + m[p &- s] + m[p &+ s] == 5
                    }
                }
            }
        }
        return generic
    }

    /// `y = A x`, for `x` that is 0 at source points; returns `x · y`.
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) -> Double {
        let s = size
        var dot0 = 0.0, dot1 = 0.0
        freeMask.withUnsafeBufferPointer { m in
            for row in 1..<(s - 1) {
                var p = row * s + 1
                let end = row * s + s - 1
                // Two points per step with separate sums, so the loop vectorises.
                while p &+ 1 < end {
                    let q = p &+ 1
                    let y0 = m[p] * (4 * x[p] - x[p &- 1] - x[q] - x[p &- s] - x[p &+ s])
                    let y1 = m[q] * (4 * x[q] - x[p] - x[q &+ 1] - x[q &- s] - x[q &+ s])
                    y[p] = y0
                    y[q] = y1
                    dot0 += x[p] * y0
                    dot1 += x[q] * y1
                    p &+= 2
                }
                if p < end {
                    let y0 = m[p] * (4 * x[p] - x[p &- 1] - x[p &+ 1] - x[p &- s] - x[p &+ s])
                    y[p] = y0
                    dot0 += x[p] * y0
                }
            }
        }
        return dot0 + dot1
    }
}
