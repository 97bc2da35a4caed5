/// A symmetric multigrid V-cycle for a masked 5-point operator, used as the preconditioner
/// of conjugate gradients.
///
/// Levels are built by Galerkin coarsening (``GridTransfer``) until at most
/// ``coarsestSize`` points per side remain, which are solved exactly. Smoothing is one
/// forward Gauss–Seidel sweep before the coarse correction and one backward sweep after, so
/// the cycle is a symmetric positive definite operator, as CG requires.
struct MultigridPreconditioner {
    /// Largest coarse grid (points per side) solved directly.
    static let coarsestSize = 3

    private var operators: [StencilOperator]
    private var transfers: [GridTransfer]
    private let coarseSolver: DenseCoarseSolver
    /// Per level: right-hand side, solution and residual vectors, allocated once.
    private var rhs: [[Double]]
    private var solution: [[Double]]
    private var residual: [[Double]]

    init(fine: StencilOperator, fineMask: [Double]) {
        operators = [fine]
        transfers = []
        var mask = fineMask
        while operators.last!.n > Self.coarsestSize {
            let transfer = GridTransfer(fineN: operators.last!.n, fineMask: mask)
            operators.append(transfer.coarsen(operators.last!))
            transfers.append(transfer)
            mask = [Double](repeating: 1, count: operators.last!.paddedCount)
        }
        coarseSolver = DenseCoarseSolver(operators.last!)
        rhs = operators.map { [Double](repeating: 0, count: $0.paddedCount) }
        solution = rhs
        residual = rhs
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
        let op = operators[level]
        if level == operators.count - 1 {
            rhs[level].withUnsafeBufferPointer { b in
                solution[level].withUnsafeMutableBufferPointer { x in coarseSolver.solve(b, into: x) }
            }
            return
        }
        rhs[level].withUnsafeBufferPointer { b in
            solution[level].withUnsafeMutableBufferPointer { x in
                x.update(repeating: 0)
                op.gaussSeidel(x, b, forward: true)
                residual[level].withUnsafeMutableBufferPointer { r in op.residual(UnsafeBufferPointer(x), b, into: r) }
            }
        }
        residual[level].withUnsafeBufferPointer { r in
            rhs[level + 1].withUnsafeMutableBufferPointer { transfers[level].restrict(r, into: $0) }
        }
        cycle(level: level + 1)
        solution[level + 1].withUnsafeBufferPointer { coarse in
            solution[level].withUnsafeMutableBufferPointer { transfers[level].prolongAdd(coarse, into: $0) }
        }
        rhs[level].withUnsafeBufferPointer { b in
            solution[level].withUnsafeMutableBufferPointer { x in op.gaussSeidel(x, b, forward: false) }
        }
    }
}
