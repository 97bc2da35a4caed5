/// Solves the steady state of 2-D heat diffusion exactly for the discrete system.
///
/// The system, for a ``HeatProblem`` of `size` points per side: u = 0 on the outer boundary,
/// u = 1 at source points, and at every other interior point the 5-point Laplacian vanishes,
/// `4u − u_E − u_W − u_N − u_S = 0` (the h² factor cancels).
///
/// Method: source values are moved to the right-hand side, leaving a symmetric positive
/// definite system on the free points, solved by conjugate gradients preconditioned with a
/// multigrid V-cycle (Galerkin coarsening, so any size and any source pattern work without
/// special cases). Arithmetic is in `Double`; the result is rounded to `Float`, the type the
/// tutorial stages.
///
/// Stopping rule: the largest absolute residual `|4u − Σ neighbours|` over free points falls
/// below ``tolerance`` (absolute, since u ∈ [0, 1] and the right-hand side is at most 4).
///
/// - Complexity: O(size²) per iteration and a size-independent number of iterations (about
///   10), so O(size²) in all, against O(size⁶) for the reference's dense LU.
public struct SteadyStateSolver: Sendable {
    /// The largest residual accepted, in the units of `4u − Σ neighbours`.
    public var tolerance: Double
    /// Iterations after which the solver gives up with ``HeatDiffusionError/didNotConverge(iterations:residual:)``.
    public var maximumIterations: Int

    /// Creates a solver.
    public init(tolerance: Double = 1e-10, maximumIterations: Int = 100) {
        self.tolerance = tolerance
        self.maximumIterations = maximumIterations
    }

    /// The steady-state temperature of `problem`.
    ///
    /// - Returns: u on every grid point; exactly 1 at source points and 0 on the boundary.
    /// - Throws: ``HeatDiffusionError/didNotConverge(iterations:residual:)`` if the tolerance
    ///   is not reached (not expected for any valid problem).
    public func solve(_ problem: HeatProblem) throws(HeatDiffusionError) -> SquareGrid<Float> {
        let size = problem.size
        let mask = problem.sourceMask
        let system = MaskedLaplacian(mask: mask)
        var x = mask.values.map { $0 ? 1.0 : 0.0 }
        var r = system.initialResidual
        var preconditioner = MultigridPreconditioner(fine: system.op, fineMask: system.freeMask)
        try conjugateGradients(system.op, preconditioner: &preconditioner, x: &x, r: &r)
        return SquareGrid(size: size, values: x.map { Float($0) })
    }

    /// Preconditioned CG on `A x = b`, given `x` and `r = b − A x`; updates both in place.
    ///
    /// - Returns: the number of iterations taken.
    @discardableResult
    private func conjugateGradients(_ op: StencilOperator, preconditioner: inout MultigridPreconditioner,
                                    x: inout [Double], r: inout [Double]) throws(HeatDiffusionError) -> Int {
        let count = x.count
        var z = [Double](repeating: 0, count: count)
        var p = z, q = z
        var worst = maxAbs(r)
        if worst <= tolerance { return 0 }
        r.withUnsafeBufferPointer { r in z.withUnsafeMutableBufferPointer { preconditioner.apply(r, into: $0) } }
        p = z
        var rz = dot(r, z)
        for iteration in 1...maximumIterations {
            p.withUnsafeBufferPointer { p in q.withUnsafeMutableBufferPointer { op.apply(p, into: $0) } }
            let pq = dot(p, q)
            guard pq > 0, pq.isFinite else { break }
            let alpha = rz / pq
            for i in 0..<count {
                x[i] += alpha * p[i]
                r[i] -= alpha * q[i]
            }
            worst = maxAbs(r)
            if worst <= tolerance { return iteration }
            r.withUnsafeBufferPointer { r in z.withUnsafeMutableBufferPointer { preconditioner.apply(r, into: $0) } }
            let rzNext = dot(r, z)
            let beta = rzNext / rz
            rz = rzNext
            for i in 0..<count { p[i] = z[i] + beta * p[i] }
        }
        throw .didNotConverge(iterations: maximumIterations, residual: worst)
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<a.count { sum += a[i] * b[i] }
        return sum
    }

    private func maxAbs(_ a: [Double]) -> Double {
        var worst = 0.0
        for v in a { worst = max(worst, abs(v)) }
        return worst
    }
}

/// The discrete system of a problem on the full `size × size` grid, which is the padded
/// grid of its `size − 2` interior points: free points carry the 5-point stencil with
/// couplings to source points removed; source points carry identity rows.
struct MaskedLaplacian {
    let op: StencilOperator
    /// 1 at free interior points, 0 at source points and on the boundary.
    let freeMask: [Double]
    /// `b − A x₀` for x₀ = 1 at sources, 0 elsewhere: at a free point, the number of
    /// neighbouring source points; 0 elsewhere.
    let initialResidual: [Double]

    init(mask: SquareGrid<Bool>) {
        let size = mask.size
        var op = StencilOperator(n: size - 2)
        var free = [Double](repeating: 0, count: size * size)
        var residual = free
        for row in 1..<(size - 1) {
            for column in 1..<(size - 1) where !mask[row, column] { free[row * size + column] = 1 }
        }
        let neighbours = [(1, -size), (3, -1), (5, 1), (7, size)]
        for row in 1..<(size - 1) {
            for column in 1..<(size - 1) {
                let p = row * size + column
                guard free[p] == 1 else {
                    op.coefficients[9 * p + 4] = 1
                    continue
                }
                op.coefficients[9 * p + 4] = 4
                for (k, offset) in neighbours {
                    let q = p + offset
                    if free[q] == 1 {
                        op.coefficients[9 * p + k] = -1
                    } else if mask.values[q] {
                        residual[p] += 1
                    }
                }
            }
        }
        op.finalize()
        self.op = op
        freeMask = free
        initialResidual = residual
    }
}
