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

    /// `coarse = Pᵀ fine`.
    func restrict(_ fine: UnsafeBufferPointer<Double>, into coarse: UnsafeMutableBufferPointer<Double>) {
        let weights = [0.5, 1, 0.5]
        fineMask.withUnsafeBufferPointer { mask in
            for cy in 1...coarseN {
                for cx in 1...coarseN {
                    var sum = 0.0
                    for a in 0..<3 {
                        let base = (2 * cy + a - 1) * fineStride + 2 * cx - 1
                        sum += weights[a] * (0.5 * mask[base] * fine[base]
                                             + mask[base + 1] * fine[base + 1]
                                             + 0.5 * mask[base + 2] * fine[base + 2])
                    }
                    coarse[cy * coarseStride + cx] = sum
                }
            }
        }
    }

    /// `fine += P coarse`.
    func prolongAdd(_ coarse: UnsafeBufferPointer<Double>, into fine: UnsafeMutableBufferPointer<Double>) {
        fineMask.withUnsafeBufferPointer { mask in
            for iy in 1...fineN {
                let (y0, wy0, y1, wy1) = parents(iy)
                for ix in 1...fineN {
                    let (x0, wx0, x1, wx1) = parents(ix)
                    let value = wy0 * (wx0 * coarse[y0 * coarseStride + x0] + wx1 * coarse[y0 * coarseStride + x1])
                              + wy1 * (wx0 * coarse[y1 * coarseStride + x0] + wx1 * coarse[y1 * coarseStride + x1])
                    let p = iy * fineStride + ix
                    fine[p] += mask[p] * value
                }
            }
        }
    }

    /// The Galerkin coarse operator Pᵀ A P.
    ///
    /// - Complexity: O(81 · 4) multiply-adds per coarse point, O(n²) in all.
    func coarsen(_ fine: StencilOperator) -> StencilOperator {
        var coarse = StencilOperator(n: coarseN)
        let fineOffsets = fine.neighbourOffsets
        let fs = fineStride, cs = coarseStride
        fine.coefficients.withUnsafeBufferPointer { a in
            fineMask.withUnsafeBufferPointer { mask in
                coarse.coefficients.withUnsafeMutableBufferPointer { ac in
                    for cy in 1...coarseN {
                        for cx in 1...coarseN {
                            let c = cy * cs + cx
                            // Fine points i in the support of coarse point c, weight P[i, c].
                            for a1 in -1...1 {
                                for b1 in -1...1 {
                                    let iy = 2 * cy + a1, ix = 2 * cx + b1
                                    let i = iy * fs + ix
                                    let pic = (a1 == 0 ? 1.0 : 0.5) * (b1 == 0 ? 1.0 : 0.5) * mask[i]
                                    if pic == 0 { continue }
                                    // Neighbours j of i, coefficient A[i, j].
                                    for k in 0..<9 {
                                        let aij = a[9 * i + k]
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
                        }
                    }
                }
            }
        }
        coarse.finalize()
        return coarse
    }
}
