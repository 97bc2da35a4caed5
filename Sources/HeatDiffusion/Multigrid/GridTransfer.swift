/// Moving vectors and operators between a fine padded grid of `n` interior points per side
/// and the coarse grid of `n / 2` (rounded down) whose point `c` sits on fine point `2c`.
///
/// Prolongation P is bilinear interpolation, with coarse ring points (the boundary) taken
/// as 0 and rows of masked fine points (Dirichlet source points) zeroed; restriction is
/// Pᵀ and the coarse operator is the Galerkin product Pᵀ A P. This works for every `n`,
/// even or odd, and for any pattern of Dirichlet points, with no geometric special cases.
struct GridTransfer {
    let fineN: Int
    let coarseN: Int
    /// 1 for fine points that take interpolated values, 0 for masked ones; padded fine layout.
    let fineMask: [Double]

    init(fineN: Int, fineMask: [Double]) {
        self.fineN = fineN
        self.coarseN = fineN / 2
        self.fineMask = fineMask
    }

    private var fineStride: Int { fineN + 2 }
    private var coarseStride: Int { coarseN + 2 }

    /// The coarse points (along one axis) that fine index `i` interpolates from, with weights.
    /// Indices 0 and `coarseN + 1` are ring points whose value is 0.
    @inline(__always)
    private func parents(_ i: Int) -> (Int, Double, Int, Double) {
        i & 1 == 0 ? (i >> 1, 1, i >> 1, 0) : (i >> 1, 0.5, (i >> 1) + 1, 0.5)
    }

    /// `coarse = Pᵀ fine`, for `fine` that is 0 at masked points (residuals are), so the
    /// mask need not be applied again. Full weighting: 1 at `2c`, ½ at its edge neighbours,
    /// ¼ at its corners. Index arithmetic wraps: every index is inside the padded grids.
    func restrict(_ fine: UnsafeBufferPointer<Double>, into coarse: UnsafeMutableBufferPointer<Double>) {
        let fs = fineStride, cs = coarseStride
        for cy in 1...coarseN {
            for cx in 1...coarseN {
                let m = 2 * cy * fs + 2 * cx, up = m &- fs, down = m &+ fs
                let edges = fine[m &- 1] + fine[m &+ 1] + fine[up] + fine[down]
                let corners = fine[up &- 1] + fine[up &+ 1] + fine[down &- 1] + fine[down &+ 1]
                coarse[cy * cs + cx] = fine[m] + 0.5 * edges + 0.25 * corners
            }
        }
    }

    /// `fine += P coarse`: each fine row interpolates between one or two coarse rows into
    /// `line`, then along the row: odd columns average two coarse columns, even columns sit
    /// on one.
    func prolongAdd(_ coarse: UnsafeBufferPointer<Double>, into fine: UnsafeMutableBufferPointer<Double>) {
        let fs = fineStride, cs = coarseStride
        var line = [Double](repeating: 0, count: cs)
        fineMask.withUnsafeBufferPointer { mask in
            line.withUnsafeMutableBufferPointer { line in
                for iy in 1...fineN {
                    let (y0, wy0, y1, wy1) = parents(iy)
                    for cx in 0..<cs {
                        line[cx] = wy0 * coarse[y0 &* cs &+ cx] + wy1 * coarse[y1 &* cs &+ cx]
                    }
                    let base = iy * fs
                    for h in 0...((fineN - 1) >> 1) {
                        let p = base &+ 2 &* h &+ 1
                        fine[p] += mask[p] * 0.5 * (line[h] + line[h &+ 1])
                    }
                    for h in 1...(fineN >> 1) {
                        let p = base &+ 2 &* h
                        fine[p] += mask[p] * line[h]
                    }
                }
            }
        }
    }
}
