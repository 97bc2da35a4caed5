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
/// - Complexity: O(size²) to build the coarse levels, O(size²) per iteration (about 140
///   instructions per grid point: the V-cycle and four vector passes) and a size-independent
///   number of iterations (9 to 11), so O(size²) in all, against O(size⁶) for the
///   reference's dense LU.
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
        try solveCountingIterations(problem).temperature
    }

    /// ``solve(_:)``, also returning the number of CG iterations taken (for tests).
    func solveCountingIterations(_ problem: HeatProblem) throws(HeatDiffusionError)
        -> (temperature: SquareGrid<Float>, iterations: Int) {
        let size = problem.size
        let mask = problem.sourceMask
        let system = MaskedLaplacian(mask: mask)
        var x = mask.values.map { $0 ? 1.0 : 0.0 }
        var r = system.initialResidual
        var preconditioner = MultigridPreconditioner(system)
        let iterations = try conjugateGradients(system, preconditioner: &preconditioner, x: &x, r: &r)
        return (SquareGrid(size: size, values: x.map { Float($0) }), iterations)
    }

    /// Preconditioned CG on `A x = b`, given `x` and `r = b − A x`; updates both in place.
    ///
    /// Each iteration is one V-cycle and four passes over memory: `rz = r·z` with
    /// `p = z + β p` needing it, `q = A p` fused with `p·q`, and `x += α p`, `r −= α q`
    /// fused with the largest |r|.
    ///
    /// - Returns: the number of iterations taken.
    private func conjugateGradients(_ system: MaskedLaplacian, preconditioner: inout MultigridPreconditioner,
                                    x: inout [Double], r: inout [Double]) throws(HeatDiffusionError) -> Int {
        let count = x.count
        var z = [Double](repeating: 0, count: count)
        var p = [Double](repeating: 0, count: count)
        var q = [Double](repeating: 0, count: count)
        let tolerance = self.tolerance, maximumIterations = self.maximumIterations
        // The loop works on raw buffers, taken once: `iterations` is nil if it gave up.
        let (iterations, worst): (Int?, Double) = x.withUnsafeMutableBufferPointer { x in
            r.withUnsafeMutableBufferPointer { r in
                z.withUnsafeMutableBufferPointer { z in
                    p.withUnsafeMutableBufferPointer { p in
                        q.withUnsafeMutableBufferPointer { q in
                            var worst = r.reduce(0) { max($0, abs($1)) }
                            if worst <= tolerance { return (0, worst) }
                            var rz = 0.0
                            for iteration in 1...maximumIterations {
                                preconditioner.apply(UnsafeBufferPointer(r), into: z)
                                let rzNext = CGKernels.dot(r, z)
                                CGKernels.updateDirection(p, z, beta: iteration == 1 ? 0 : rzNext / rz)
                                rz = rzNext
                                let pq = system.apply(UnsafeBufferPointer(p), into: q)
                                guard pq > 0, pq.isFinite else { break }
                                worst = CGKernels.step(x, r, p, q, alpha: rz / pq)
                                if worst <= tolerance { return (iteration, worst) }
                            }
                            return (nil, worst)
                        }
                    }
                }
            }
        }
        guard let iterations else { throw .didNotConverge(iterations: maximumIterations, residual: worst) }
        return iterations
    }
}

/// The vector kernels of conjugate gradients, each one pass over memory.
private enum CGKernels {
    /// `a · b`.
    static func dot(_ a: UnsafeMutableBufferPointer<Double>, _ b: UnsafeMutableBufferPointer<Double>) -> Double {
        // Two partial sums, so the loop can use both lanes of a vector register.
        var sum0 = 0.0, sum1 = 0.0
        var i = 0
        while i &+ 1 < a.count {
            sum0 += a[i] * b[i]
            sum1 += a[i &+ 1] * b[i &+ 1]
            i &+= 2
        }
        if i < a.count { sum0 += a[i] * b[i] }
        return sum0 + sum1
    }

    /// `p = z + β p`.
    static func updateDirection(_ p: UnsafeMutableBufferPointer<Double>, _ z: UnsafeMutableBufferPointer<Double>, beta: Double) {
        for i in 0..<p.count { p[i] = z[i] + beta * p[i] }
    }

    /// `x += α p`, `r −= α q`; returns the largest |r|.
    static func step(_ x: UnsafeMutableBufferPointer<Double>, _ r: UnsafeMutableBufferPointer<Double>,
                     _ p: UnsafeMutableBufferPointer<Double>, _ q: UnsafeMutableBufferPointer<Double>, alpha: Double) -> Double {
        // Two running maxima, one per lane of a vector register, each a plain comparison (one
        // `maxsd`/`maxpd`), not `max`, whose NaN rules cost branches. A NaN residual is
        // skipped here but makes the next p·q NaN, which stops the iteration.
        var worst0 = 0.0, worst1 = 0.0
        var i = 0
        while i &+ 1 < x.count {
            let j = i &+ 1
            x[i] += alpha * p[i]
            x[j] += alpha * p[j]
            let r0 = r[i] - alpha * q[i], r1 = r[j] - alpha * q[j]
            r[i] = r0
            r[j] = r1
            worst0 = r0.magnitude > worst0 ? r0.magnitude : worst0
            worst1 = r1.magnitude > worst1 ? r1.magnitude : worst1
            i &+= 2
        }
        if i < x.count {
            x[i] += alpha * p[i]
            r[i] -= alpha * q[i]
            worst0 = r[i].magnitude > worst0 ? r[i].magnitude : worst0
        }
        let worst = worst1 > worst0 ? worst1 : worst0
        return worst
    }
}
