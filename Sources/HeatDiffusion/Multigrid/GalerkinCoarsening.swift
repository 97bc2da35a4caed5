/// The Galerkin coarse operator Pᵀ A P of a ``GridTransfer``.
///
/// For coarse point `c` and coarse neighbour `d`, `(Pᵀ A P)[c, d] = Σ P[i, c] A[i, j] P[j, d]`
/// over fine points `i` within ±1 of `2c` and their stencil neighbours `j`. Written
/// relative to `2c`, which fine offsets, weights and coarse neighbours take part does not
/// depend on `c`, so they are tabulated once (``GalerkinTable``) and each point is a short
/// branch-light loop over the table, with the fine mask applied as `m_i A[i, j] m_j`.
extension GridTransfer {
    /// The Galerkin coarse operator Pᵀ A P, and which coarse points are generic.
    ///
    /// A point is *generic* when everything its row depends on is the same as in the middle
    /// of an unmasked grid. The row of coarse point `c` reads the rows of the fine points `i`
    /// within ±1 of `2c` and the mask at their neighbours `j`, within ±2. So on the finest
    /// level a free point whose four neighbours are free is generic, and on a coarse level a
    /// point is generic when its fine points within ±1 are generic and those within ±2 are
    /// inside the grid (the mask is 1 everywhere inside on coarse levels, and a generic
    /// finest-level point's neighbours are free). Generic points share one stencil, computed
    /// once and copied, so only the points near sources and near the boundary pay for the
    /// full product.
    ///
    /// `fineMask` must be 0 on the fine ring. Couplings of a coarse point to ring points may
    /// come out nonzero; they multiply ring values, which are always 0, so they never matter.
    ///
    /// - Complexity: one pass over the coarse points; per non-generic point 40 terms
    ///   (5-point finest level) or 67 (9-point coarse levels) of 4 multiply-adds each, per
    ///   generic point 9 copies.
    func coarsen<Fine: StencilCoefficients>(_ fine: Fine, generic fineGeneric: [Bool]) -> (op: StencilOperator, generic: [Bool]) {
        var coarse = StencilOperator(n: coarseN)
        let fs = fineN + 2, cs = coarseN + 2
        var coarseGeneric = [Bool](repeating: false, count: coarse.paddedCount)
        if coarseN >= 3 {
            fineGeneric.withUnsafeBufferPointer { g in
                for cy in 2...(coarseN - 1) where 2 * cy + 2 <= fineN {
                    for cx in 2...(coarseN - 1) where 2 * cx + 2 <= fineN {
                        let m = 2 * cy * fs + 2 * cx, up = m - fs, down = m + fs
                        coarseGeneric[cy * cs + cx] = g[up - 1] && g[up] && g[up + 1] && g[m - 1] && g[m]
                            && g[m + 1] && g[down - 1] && g[down] && g[down + 1]
                    }
                }
            }
        }
        let table = Fine.galerkinTable, offsets = table.offsets(fineStride: fs)
        var genericStencil: Int? = nil
        fineMask.withUnsafeBufferPointer { mask in
            coarse.coefficients.withUnsafeMutableBufferPointer { ac in
                for cy in 1...coarseN {
                    for cx in 1...coarseN {
                        let c = cy * cs + cx
                        if coarseGeneric[c], let g = genericStencil {
                            for k in 0..<9 { ac[9 * c + k] = ac[9 * g + k] }
                            continue
                        }
                        // The product gives the upper half (k ≥ 4); the lower half is the
                        // transpose of earlier rows, already final: A[c, W] = A[W, E] etc.
                        table.accumulate(fine, mask: mask, offsets: offsets, center: 2 * cy * fs + 2 * cx,
                                         into: UnsafeMutablePointer(ac.baseAddress! + 9 * c))
                        ac[9 * c] = ac[9 * (c - cs - 1) + 8]
                        ac[9 * c + 1] = ac[9 * (c - cs) + 7]
                        ac[9 * c + 2] = ac[9 * (c - cs + 1) + 6]
                        ac[9 * c + 3] = ac[9 * (c - 1) + 5]
                        if coarseGeneric[c] { genericStencil = c }
                    }
                }
            }
        }
        coarse.finalize()
        return (coarse, coarseGeneric)
    }
}

/// The terms of the Galerkin product for one coarse point `c`, relative to its fine point
/// `2c`, laid out for a branch-light inner loop. Only the upper half of the row (coarse
/// stencil indices 4…8: itself, E, SW, S, SE) is produced; the operator is symmetric, so
/// the caller copies the lower half from earlier rows.
///
/// Group `g` (one of 9) is the fine point `i = 2c + fineOffset[g]`, with weight `P[i, c]`;
/// its terms are `groupStart[g]..<groupStart[g + 1]`. Each term is a stencil neighbour `k`
/// of `i`, `j = i + neighbourOffset`: it adds `m_i A[i, j] m_j` times `weight[u]` to the
/// coarse coefficient `target[u]` (u < 4), where the weight is `P[i, c] · P[j, d]` for the
/// coarse neighbour `d` of `c` that `target[u]` names; `j` interpolates from 1, 2 or 4
/// coarse points, and unused slots have weight 0.
struct GalerkinTable: Sendable {
    struct Term: Sendable {
        /// Grid offset of `j` from `i`, rows and columns.
        var dy: Int, dx: Int
        var k: Int
        var target: (Int, Int, Int, Int)
        var weight: (Double, Double, Double, Double)
    }

    /// Grid offsets of the fine points `i` of the 9 groups from `2c`, rows and columns.
    private var groupOffset: [(Int, Int)] = []
    private var groupStart: [Int] = [0]
    private var terms: [Term] = []

    /// The table for a 5-point fine operator (the finest level).
    static let fivePoint = GalerkinTable(couplings: [1, 3, 4, 5, 7])
    /// The table for a 9-point fine operator (coarse levels).
    static let ninePoint = GalerkinTable(couplings: Array(0..<9))

    /// - Parameter couplings: the stencil indices that can be nonzero in the fine operator.
    private init(couplings: [Int]) {
        // Bilinear weights along one axis: fine offset `t` from 2c (−2…2) interpolates from
        // coarse offset t/2 (even t) or from (t ± 1)/2 with ½ each (odd t).
        func parents(_ t: Int) -> [(Int, Double)] {
            t & 1 == 0 ? [(t / 2, 1)] : [((t - 1) / 2, 0.5), ((t + 1) / 2, 0.5)]
        }
        for a in -1...1 {
            for b in -1...1 {
                let pic = (a == 0 ? 1.0 : 0.5) * (b == 0 ? 1.0 : 0.5)
                groupOffset.append((a, b))
                for k in couplings {
                    let dy = k / 3 - 1, dx = k % 3 - 1
                    var targets = [Int](repeating: 4, count: 4), weights = [Double](repeating: 0, count: 4)
                    var u = 0
                    for (ey, wy) in parents(a + dy) {
                        for (ex, wx) in parents(b + dx) where (ey + 1) * 3 + ex + 1 >= 4 {
                            targets[u] = (ey + 1) * 3 + ex + 1
                            weights[u] = pic * wy * wx
                            u += 1
                        }
                    }
                    guard u > 0 else { continue }
                    terms.append(Term(dy: dy, dx: dx, k: k,
                                      target: (targets[0], targets[1], targets[2], targets[3]),
                                      weight: (weights[0], weights[1], weights[2], weights[3])))
                }
                groupStart.append(terms.count)
            }
        }
    }

    /// Padded-index offsets for a fine grid of row length `fineStride`: the 9 group offsets
    /// (of `i` from `2c`), then one per term (of `j` from `i`).
    func offsets(fineStride fs: Int) -> [Int] {
        groupOffset.map { $0.0 * fs + $0.1 } + terms.map { $0.dy * fs + $0.dx }
    }

    /// Adds the upper half of the Galerkin row of the coarse point whose fine point is
    /// `center` to `row` (its 9 coefficients), with `offsets` from ``offsets(fineStride:)``.
    func accumulate<Fine: StencilCoefficients>(_ fine: Fine, mask: UnsafeBufferPointer<Double>, offsets: [Int],
                                               center: Int, into row: UnsafeMutablePointer<Double>) {
        terms.withUnsafeBufferPointer { terms in
            offsets.withUnsafeBufferPointer { offsets in
                for g in 0..<9 {
                    let i = center &+ offsets[g]
                    // A masked (or ring) i contributes nothing; testing it first also keeps
                    // every j inside the padded grid.
                    guard mask[i] != 0 else { continue }
                    for t in groupStart[g]..<groupStart[g &+ 1] {
                        let term = terms[t]
                        let j = i &+ offsets[9 &+ t]
                        guard mask[j] != 0 else { continue }
                        let value = fine.coefficientBetweenFreePoints(at: i, term.k)
                        row[term.target.0] += term.weight.0 * value
                        row[term.target.1] += term.weight.1 * value
                        row[term.target.2] += term.weight.2 * value
                        row[term.target.3] += term.weight.3 * value
                    }
                }
            }
        }
    }
}
