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

    /// The Galerkin coarse operator Pᵀ A P, and which coarse points are generic.
    ///
    /// A point is *generic* when everything its row depends on is the same as in the middle
    /// of an unmasked grid: on the finest level, a free point whose four neighbours are free;
    /// on a coarse level, a point whose fine points within ±2 are all generic. Generic
    /// points share one stencil, computed once and copied, so only the points near sources
    /// and near the boundary pay for the full product.
    ///
    /// - Complexity: O(81 · 4) multiply-adds per non-generic coarse point, O(9) per generic one.
    func coarsen(_ fine: some StencilCoefficients, generic fineGeneric: [Bool]) -> (op: StencilOperator, generic: [Bool]) {
        var coarse = StencilOperator(n: coarseN)
        let fs = fineStride, cs = coarseStride
        let fineOffsets = (0..<9).map { k in (k / 3 - 1) * fs + (k % 3 - 1) }
        var coarseGeneric = [Bool](repeating: false, count: coarse.paddedCount)
        for cy in 1...coarseN {
            for cx in 1...coarseN where 2 * cy - 2 >= 1 && 2 * cy + 2 <= fineN && 2 * cx - 2 >= 1 && 2 * cx + 2 <= fineN {
                var all = true
                for y in (2 * cy - 2)...(2 * cy + 2) where all {
                    for x in (2 * cx - 2)...(2 * cx + 2) where !fineGeneric[y * fs + x] {
                        all = false
                        break
                    }
                }
                coarseGeneric[cy * cs + cx] = all
            }
        }
        var genericStencil: [Double]? = nil
        do {
            fineMask.withUnsafeBufferPointer { mask in
                coarse.coefficients.withUnsafeMutableBufferPointer { ac in
                    for cy in 1...coarseN {
                        for cx in 1...coarseN {
                            let c = cy * cs + cx
                            if coarseGeneric[c], let stencil = genericStencil {
                                for k in 0..<9 { ac[9 * c + k] = stencil[k] }
                                continue
                            }
                            // Fine points i in the support of coarse point c, weight P[i, c].
                            for a1 in -1...1 {
                                for b1 in -1...1 {
                                    let iy = 2 * cy + a1, ix = 2 * cx + b1
                                    let i = iy * fs + ix
                                    let pic = (a1 == 0 ? 1.0 : 0.5) * (b1 == 0 ? 1.0 : 0.5) * mask[i]
                                    if pic == 0 { continue }
                                    // Neighbours j of i, coefficient A[i, j].
                                    for k in 0..<9 {
                                        let aij = fine.coefficient(at: i, k)
                                        if aij == 0 { continue }
                                        let jy = iy + k / 3 - 1, jx = ix + k % 3 - 1
                                        let mj = mask[i + fineOffsets[k]]
                                        if mj == 0 { continue }
                                        let (y0, wy0, y1, wy1) = parents(jy)
                                        let (x0, wx0, x1, wx1) = parents(jx)
                                        let scale = pic * aij * mj
                                        for t in 0..<2 {
                                            let (dy, wy) = t == 0 ? (y0, wy0) : (y1, wy1)
                                            if wy == 0 || dy < 1 || dy > coarseN { continue }
                                            for u in 0..<2 {
                                                let (dx, wx) = u == 0 ? (x0, wx0) : (x1, wx1)
                                                if wx == 0 || dx < 1 || dx > coarseN { continue }
                                                let kc = (dy - cy + 1) * 3 + (dx - cx + 1)
                                                ac[9 * c + kc] += scale * wy * wx
                                            }
                                        }
                                    }
                                }
                            }
                            if coarseGeneric[c] { genericStencil = Array(ac[(9 * c)..<(9 * c + 9)]) }
                        }
                    }
                }
            }
        }
        coarse.finalize()
        return (coarse, coarseGeneric)
    }
}
