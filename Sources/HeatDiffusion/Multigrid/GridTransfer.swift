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
    /// mask need not be applied again.
    func restrict(_ fine: UnsafeBufferPointer<Double>, into coarse: UnsafeMutableBufferPointer<Double>) {
        // Weighted row sums (½, 1, ½) of three consecutive fine points around `base + 1`.
        func row(_ base: Int) -> Double { 0.5 * fine[base] + fine[base + 1] + 0.5 * fine[base + 2] }
        for cy in 1...coarseN {
            for cx in 1...coarseN {
                let middle = 2 * cy * fineStride + 2 * cx - 1
                coarse[cy * coarseStride + cx] = 0.5 * row(middle - fineStride) + row(middle) + 0.5 * row(middle + fineStride)
            }
        }
    }

    /// `fine += P coarse`: each fine row interpolates between one or two coarse rows, then
    /// along the row between one or two coarse columns.
    func prolongAdd(_ coarse: UnsafeBufferPointer<Double>, into fine: UnsafeMutableBufferPointer<Double>) {
        var line = [Double](repeating: 0, count: coarseStride)
        fineMask.withUnsafeBufferPointer { mask in
            line.withUnsafeMutableBufferPointer { line in
                for iy in 1...fineN {
                    let (y0, wy0, y1, wy1) = parents(iy)
                    for cx in 0..<coarseStride {
                        line[cx] = wy0 * coarse[y0 * coarseStride + cx] + wy1 * coarse[y1 * coarseStride + cx]
                    }
                    let base = iy * fineStride
                    for ix in 1...fineN {
                        let half = ix >> 1
                        let value = ix & 1 == 0 ? line[half] : 0.5 * (line[half] + line[half + 1])
                        fine[base + ix] += mask[base + ix] * value
                    }
                }
            }
        }
    }
}
