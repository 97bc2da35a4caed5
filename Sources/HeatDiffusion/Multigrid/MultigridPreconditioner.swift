/// A symmetric multigrid V-cycle for a ``MaskedLaplacian``, used as the preconditioner of
/// conjugate gradients.
///
/// Coarse levels are built by Galerkin coarsening (``GridTransfer``) until at most
/// ``coarsestSize`` points per side remain, which are solved exactly. Smoothing is one
/// Gauss–Seidel sweep before the coarse correction and the reverse sweep after, so the
/// cycle is a symmetric positive definite operator, as CG requires.
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
        rhs = [[Double](repeating: 0, count: fine.size * fine.size)]
            + coarse.map { [Double](repeating: 0, count: $0.paddedCount) }
        solution = rhs
        residual = rhs
    }

    /// 1 on the interior of the padded grid of `n` points per side, 0 on its ring.
    private static func interiorMask(n: Int) -> [Double] {
        var mask = [Double](repeating: 0, count: (n + 2) * (n + 2))
        for row in 1...n {
            for p in (row * (n + 2) + 1)...(row * (n + 2) + n) { mask[p] = 1 }
        }
        return mask
    }

    /// `z = M⁻¹ r`: one V-cycle from a zero initial guess.
    mutating func apply(_ r: UnsafeBufferPointer<Double>, into z: UnsafeMutableBufferPointer<Double>) {
        rhs[0].withUnsafeMutableBufferPointer { b in
            for i in 0..<b.count { b[i] = r[i] }
        }
        cycle(level: 0)
        solution[0].withUnsafeBufferPointer { x in
            for i in 0..<x.count { z[i] = x[i] }
        }
    }

    private mutating func cycle(level: Int) {
        if level == coarse.count {
            rhs[level].withUnsafeBufferPointer { b in
                solution[level].withUnsafeMutableBufferPointer { x in coarsestSolver.solve(b, into: x) }
            }
            return
        }
        let fine = self.fine
        let op = level > 0 ? coarse[level - 1] : nil
        func smooth(_ x: UnsafeMutableBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, forward: Bool) {
            if let op { op.gaussSeidel(x, b, forward: forward) } else { fine.gaussSeidel(x, b, forward: forward) }
        }
        rhs[level].withUnsafeBufferPointer { b in
            solution[level].withUnsafeMutableBufferPointer { x in
                x.update(repeating: 0)
                smooth(x, b, forward: true)
                residual[level].withUnsafeMutableBufferPointer { r in
                    if let op { op.residual(UnsafeBufferPointer(x), b, into: r) } else { fine.residual(UnsafeBufferPointer(x), b, into: r) }
                }
            }
        }
        residual[level].withUnsafeBufferPointer { r in
            rhs[level + 1].withUnsafeMutableBufferPointer { transfers[level].restrict(r, into: $0) }
        }
        cycle(level: level + 1)
        let correction = solution[level + 1]
        let transfer = transfers[level]
        correction.withUnsafeBufferPointer { correction in
            solution[level].withUnsafeMutableBufferPointer { transfer.prolongAdd(correction, into: $0) }
        }
        rhs[level].withUnsafeBufferPointer { b in
            solution[level].withUnsafeMutableBufferPointer { x in smooth(x, b, forward: false) }
        }
    }
}
