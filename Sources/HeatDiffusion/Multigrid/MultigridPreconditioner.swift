/// A symmetric multigrid V-cycle for a ``MaskedLaplacian``, used as the preconditioner of
/// conjugate gradients.
///
/// Coarse levels are built by Galerkin coarsening (``GridTransfer``) until at most
/// ``coarsestSize`` points per side remain, which are solved exactly. Smoothing is one
/// Gauss–Seidel sweep before the coarse correction and the reverse sweep after, so the
/// cycle is a fixed symmetric positive definite operator, as CG requires: red–black on the
/// finest level (see `RedBlackCycle.swift`), lexicographic on coarse levels
/// (``StencilOperator``). The cycle starts from 0 and the kernels compute only what that
/// leaves unknown, with the same result as the plain sequence.
///
/// - Complexity: O(n²) to build (per coarse point near a source or the boundary about 40–70
///   Galerkin terms, elsewhere a 9-value copy), O(n²) per application.
struct MultigridPreconditioner {
    /// Largest grid (interior points per side) solved directly.
    static let coarsestSize = 3

    /// Level 0, with its fast 5-point kernels.
    private let fine: MaskedLaplacian
    /// Levels 1, 2, …: `coarse[ℓ − 1]` is level ℓ.
    private let coarse: [StencilOperator]
    /// `transfers[ℓ]` moves between levels ℓ and ℓ + 1.
    private let transfers: [GridTransfer]
    private let coarsestSolver: DenseCoarseSolver
    /// Per level: right-hand side, solution and residual vectors, allocated once.
    private var rhs: [[Double]]
    private var solution: [[Double]]
    private var residual: [[Double]]

    init(_ fine: MaskedLaplacian) {
        self.fine = fine
        var coarse: [StencilOperator] = []
        var transfers: [GridTransfer] = []
        var n = fine.size - 2
        var mask = fine.freeMask
        var generic = fine.genericPoints
        while n > Self.coarsestSize {
            let transfer = GridTransfer(fineN: n, fineMask: mask)
            let next = coarse.last.map { transfer.coarsen($0, generic: generic) }
                ?? transfer.coarsen(fine, generic: generic)
            coarse.append(next.op)
            transfers.append(transfer)
            generic = next.generic
            n = next.op.n
            mask = Self.interiorMask(n: n)
        }
        self.coarse = coarse
        self.transfers = transfers
        coarsestSolver = DenseCoarseSolver(coarse.last ?? StencilOperator(copying: fine, n: n))
        // Level 0 keeps only its residual: the right-hand side and solution are the caller's.
        rhs = [[]] + coarse.map { [Double](repeating: 0, count: $0.paddedCount) }
        solution = rhs
        residual = [[Double](repeating: 0, count: fine.size * fine.size)] + rhs.dropFirst()
    }

    /// 1 on the interior of the padded grid of `n` points per side, 0 on its ring.
    private static func interiorMask(n: Int) -> [Double] {
        var mask = [Double](repeating: 0, count: (n + 2) * (n + 2))
        for row in 1...n {
            for p in (row * (n + 2) + 1)...(row * (n + 2) + n) { mask[p] = 1 }
        }
        return mask
    }

    /// `z = M⁻¹ r`: one V-cycle from a zero initial guess. `z` must be 0 on the ring; every
    /// interior point of it is overwritten.
    mutating func apply(_ r: UnsafeBufferPointer<Double>, into z: UnsafeMutableBufferPointer<Double>) {
        guard !coarse.isEmpty, let x = z.baseAddress else {
            coarsestSolver.solve(r, into: z)
            return
        }
        let fine = self.fine, coarseN = coarse[0].n
        residual[0].withUnsafeMutableBufferPointer { residual in
            fine.redBlackPresmooth(r, x: x, residual: residual.baseAddress!)
            rhs[1].withUnsafeMutableBufferPointer {
                fine.restrictRed(residual.baseAddress!, into: $0.baseAddress!, coarseN: coarseN)
            }
        }
        cycle(level: 1)
        solution[1].withUnsafeBufferPointer { fine.prolongAddRed($0.baseAddress!, into: x, coarseN: coarseN) }
        fine.redBlackPostsmooth(r, x: x)
    }

    /// The V-cycle on coarse level `level` ≥ 1: lexicographic Gauss–Seidel forward, coarse
    /// correction, Gauss–Seidel backward; the coarsest level is solved exactly.
    private mutating func cycle(level: Int) {
        if level == coarse.count {
            rhs[level].withUnsafeBufferPointer { b in
                solution[level].withUnsafeMutableBufferPointer { x in coarsestSolver.solve(b, into: x) }
            }
            return
        }
        let op = coarse[level - 1]
        rhs[level].withUnsafeBufferPointer { b in
            solution[level].withUnsafeMutableBufferPointer { x in
                op.forwardSweepFromZero(x.baseAddress!, b.baseAddress!)
                residual[level].withUnsafeMutableBufferPointer { r in
                    op.residualAfterForwardSweep(x.baseAddress!, into: r.baseAddress!)
                }
            }
        }
        residual[level].withUnsafeBufferPointer { r in
            rhs[level + 1].withUnsafeMutableBufferPointer { transfers[level].restrict(r, into: $0) }
        }
        cycle(level: level + 1)
        let transfer = transfers[level], correction = solution[level + 1]
        correction.withUnsafeBufferPointer { correction in
            solution[level].withUnsafeMutableBufferPointer { transfer.prolongAdd(correction, into: $0) }
        }
        rhs[level].withUnsafeBufferPointer { b in
            solution[level].withUnsafeMutableBufferPointer { x in op.backwardSweep(x.baseAddress!, b.baseAddress!) }
        }
    }
}
