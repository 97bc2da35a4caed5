/// The finest level of the V-cycle, specialised to the masked 5-point operator and
/// red–black Gauss–Seidel (red: even `row + column`, which includes every point `2c` that
/// a coarse point sits on; black: odd).
///
/// The smoothing is the symmetric pair "red then black" before the coarse correction and
/// "black then red" after it, from the initial guess 0, with restriction Pᵀ and
/// prolongation P (``GridTransfer``). The kernels exploit what that sequence implies, so
/// each computes only values that are not known in advance:
/// - from x = 0 the first red update is `x_r = b_r / 4`, so the black update can read `b`;
/// - after the black update the residual vanishes at black points and equals
///   `m_r Σ x_black` at red ones (`b_r − 4 · b_r / 4 = 0`), so only red residuals are formed
///   and restriction reads only red points: `r(2c) + ¼ Σ r(2c ± (1, ±1))`;
/// - the post-smoothing overwrites black points without reading them, so the coarse
///   correction is added at red points only.
/// The result is the same linear operator as the plain sequence (up to rounding).
///
/// Index arithmetic in the loops wraps (`&+`) instead of checking for overflow: every index
/// is within the padded grid, and the checks would cost more than the arithmetic.
///
/// Every vector is on the padded `size × size` grid, 0 on the ring and at source points.
extension MaskedLaplacian {
    /// Pre-smoothing from x = 0: sets `x` everywhere and `r` at red points.
    func redBlackPresmooth(_ b: UnsafeBufferPointer<Double>, x: UnsafeMutablePointer<Double>,
                           residual r: UnsafeMutablePointer<Double>) {
        let s = size, n = size - 2
        freeMask.withUnsafeBufferPointer { m in
            for row in 1...n {
                var p = row * s + 1 + (row & 1)
                let end = row * s + n
                while p <= end {
                    x[p] = m[p] * (0.25 * b[p] + 0.0625 * (b[p &- 1] + b[p &+ 1] + b[p &- s] + b[p &+ s]))
                    p &+= 2
                }
            }
            for row in 1...n {
                var p = row * s + 2 - (row & 1)
                let end = row * s + n
                while p <= end {
                    x[p] = 0.25 * b[p]
                    r[p] = m[p] * (x[p &- 1] + x[p &+ 1] + x[p &- s] + x[p &+ s])
                    p &+= 2
                }
            }
        }
    }

    /// `coarse = Pᵀ r` for `r` that is 0 at black points (only red points are read).
    func restrictRed(_ r: UnsafePointer<Double>, into coarse: UnsafeMutablePointer<Double>, coarseN: Int) {
        let s = size, cs = coarseN + 2
        for cy in 1...coarseN {
            for cx in 1...coarseN {
                let f = 2 * cy * s + 2 * cx
                coarse[cy * cs + cx] = r[f] + 0.25 * (r[f &- s &- 1] + r[f &- s &+ 1] + r[f &+ s &- 1] + r[f &+ s &+ 1])
            }
        }
    }

    /// `x += P e` at red points (black points are recomputed by ``redBlackPostsmooth(_:x:)``
    /// before anything reads them).
    func prolongAddRed(_ e: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, coarseN: Int) {
        let s = size, n = size - 2, cs = coarseN + 2
        freeMask.withUnsafeBufferPointer { m in
            for row in 1...n {
                let cy = row >> 1
                if row & 1 == 0 {
                    // Red points (2cy, 2cx) sit on coarse points.
                    for cx in 1...(n >> 1) {
                        let p = row * s + 2 * cx
                        x[p] += m[p] * e[cy * cs + cx]
                    }
                } else {
                    // Red points (2cy + 1, 2cx + 1) average their four coarse corners.
                    for cx in 0...((n - 1) >> 1) {
                        let p = row * s + 2 * cx + 1, c = cy * cs + cx
                        x[p] += m[p] * 0.25 * (e[c] + e[c &+ 1] + e[c &+ cs] + e[c &+ cs &+ 1])
                    }
                }
            }
        }
    }

    /// Post-smoothing: black points, then red ones.
    func redBlackPostsmooth(_ b: UnsafeBufferPointer<Double>, x: UnsafeMutablePointer<Double>) {
        let s = size, n = size - 2
        freeMask.withUnsafeBufferPointer { m in
            // Relaxes the points whose first column in odd rows is `oddRowStart` (2: black, 1: red).
            func relax(oddRowStart: Int) {
                for row in 1...n {
                    var p = row * s + (row & 1 == 1 ? oddRowStart : 3 - oddRowStart)
                    let end = row * s + n
                    while p <= end {
                        x[p] = 0.25 * m[p] * (b[p] + x[p &- 1] + x[p &+ 1] + x[p &- s] + x[p &+ s])
                        p &+= 2
                    }
                }
            }
            relax(oddRowStart: 2)
            relax(oddRowStart: 1)
        }
    }
}
