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
    /// of an unmasked grid: on the finest level, a free point whose four neighbours are free;
    /// on a coarse level, a point whose fine points within ±2 are all generic. Generic
    /// points share one stencil, computed once and copied, so only the points near sources
    /// and near the boundary pay for the full product.
    ///
    /// `fineMask` must be 0 on the fine ring. Couplings of a coarse point to ring points may
    /// come out nonzero; they multiply ring values, which are always 0, so they never matter.
    ///
    /// - Complexity: about 9 · |couplings| · 2.25 multiply-adds per non-generic coarse point
    ///   (≈ 100 for the 5-point finest level, ≈ 180 on coarse levels), 9 copies per generic one.
    func coarsen<Fine: StencilCoefficients>(_ fine: Fine, generic fineGeneric: [Bool]) -> (op: StencilOperator, generic: [Bool]) {
        var coarse = StencilOperator(n: coarseN)
        let fs = fineN + 2, cs = coarseN + 2
        var coarseGeneric = [Bool](repeating: false, count: coarse.paddedCount)
        if coarseN >= 3 {
            fineGeneric.withUnsafeBufferPointer { g in
                for cy in 2...(coarseN - 1) where 2 * cy + 2 <= fineN {
                    for cx in 2...(coarseN - 1) where 2 * cx + 2 <= fineN {
                        var all = true
                        for y in (2 * cy - 2)...(2 * cy + 2) {
                            let row = y * fs + 2 * cx
                            all = all && g[row - 2] && g[row - 1] && g[row] && g[row + 1] && g[row + 2]
                        }
                        coarseGeneric[cy * cs + cx] = all
                    }
                }
            }
        }
        let table = GalerkinTable(fineStride: fs, couplings: Fine.couplings)
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
                        table.accumulate(fine, mask: mask, center: 2 * cy * fs + 2 * cx,
                                         into: UnsafeMutablePointer(ac.baseAddress! + 9 * c))
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
/// `2c`, laid out for a branch-light inner loop.
///
/// Group `g` (one of 9) is the fine point `i = 2c + fineOffset[g]`, with weight `P[i, c]`.
/// Each of its terms is a stencil neighbour `k` of `i`, `j = i + neighbourOffset`: it adds
/// `m_i A[i, j] m_j` times `weight[u]` to the coarse coefficient `target[u]` (u < 4), where
/// the weight is `P[i, c] · P[j, d]` for the coarse neighbour `d` of `c` that `target[u]`
/// names; `j` interpolates from 1, 2 or 4 coarse points, and unused slots have weight 0.
struct GalerkinTable {
    struct Term {
        var neighbourOffset: Int
        var k: Int
        var target: (Int, Int, Int, Int)
        var weight: (Double, Double, Double, Double)
    }

    private var fineOffset: [Int] = []
    private var terms: [Term] = []
    private let termsPerGroup: Int

    /// - Parameters:
    ///   - fineStride: row length of the padded fine grid.
    ///   - couplings: the stencil indices that can be nonzero in the fine operator.
    init(fineStride fs: Int, couplings: [Int]) {
        // Bilinear weights along one axis: fine offset `t` from 2c (−2…2) interpolates from
        // coarse offset t/2 (even t) or from (t ± 1)/2 with ½ each (odd t).
        func parents(_ t: Int) -> [(Int, Double)] {
            t & 1 == 0 ? [(t / 2, 1)] : [((t - 1) / 2, 0.5), ((t + 1) / 2, 0.5)]
        }
        termsPerGroup = couplings.count
        for a in -1...1 {
            for b in -1...1 {
                let pic = (a == 0 ? 1.0 : 0.5) * (b == 0 ? 1.0 : 0.5)
                fineOffset.append(a * fs + b)
                for k in couplings {
                    let dy = k / 3 - 1, dx = k % 3 - 1
                    var targets = [Int](repeating: 4, count: 4), weights = [Double](repeating: 0, count: 4)
                    var u = 0
                    for (ey, wy) in parents(a + dy) {
                        for (ex, wx) in parents(b + dx) {
                            targets[u] = (ey + 1) * 3 + ex + 1
                            weights[u] = pic * wy * wx
                            u += 1
                        }
                    }
                    terms.append(Term(neighbourOffset: dy * fs + dx, k: k,
                                      target: (targets[0], targets[1], targets[2], targets[3]),
                                      weight: (weights[0], weights[1], weights[2], weights[3])))
                }
            }
        }
    }

    /// Adds the Galerkin row of the coarse point whose fine point is `center` to `row`
    /// (its 9 coefficients).
    func accumulate<Fine: StencilCoefficients>(_ fine: Fine, mask: UnsafeBufferPointer<Double>, center: Int,
                                               into row: UnsafeMutablePointer<Double>) {
        let perGroup = termsPerGroup
        terms.withUnsafeBufferPointer { terms in
            for g in 0..<9 {
                let i = center &+ fineOffset[g]
                // A masked (or ring) i contributes nothing; testing it first also keeps every
                // j inside the padded grid.
                guard mask[i] != 0 else { continue }
                for t in (g &* perGroup)..<((g &+ 1) &* perGroup) {
                    let term = terms[t]
                    let j = i &+ term.neighbourOffset
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
