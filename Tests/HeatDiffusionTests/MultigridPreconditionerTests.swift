import Testing
@testable import HeatDiffusion
import TandemTensor

/// The V-cycle must be a fixed symmetric positive definite operator for CG, and the number
/// of CG iterations must not grow with the grid.
@Suite struct MultigridPreconditionerTests {
    /// A random vector on the free points of `system` (0 on the ring and at source points).
    static func randomFreeVector(_ system: MaskedLaplacian, _ rng: inout SeededGenerator) -> [Double] {
        system.freeMask.map { $0 * Double.random(in: -1...1, using: &rng) }
    }

    static func apply(_ preconditioner: inout MultigridPreconditioner, _ r: [Double]) -> [Double] {
        var z = [Double](repeating: 0, count: r.count)
        r.withUnsafeBufferPointer { r in z.withUnsafeMutableBufferPointer { preconditioner.apply(r, into: $0) } }
        return z
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    @Test(arguments: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 17, 18, 33, 34, 64, 65])
    func isSymmetricPositiveDefiniteAndKeepsSourcePointsAtZero(size: Int) throws {
        var rng = SeededGenerator(seed: UInt64(1000 + size))
        let problem = try HeatProblem.random(size: size, using: &rng)
        let system = MaskedLaplacian(mask: problem.sourceMask)
        var preconditioner = MultigridPreconditioner(system)
        let a = Self.randomFreeVector(system, &rng), b = Self.randomFreeVector(system, &rng)
        let ma = Self.apply(&preconditioner, a), mb = Self.apply(&preconditioner, b)
        let scale = Self.dot(a, ma).magnitude + Self.dot(b, mb).magnitude
        #expect(abs(Self.dot(ma, b) - Self.dot(a, mb)) <= 1e-12 * scale)
        #expect(Self.dot(a, ma) > 0 || a.allSatisfy { $0 == 0 })
        for p in ma.indices where system.freeMask[p] == 0 { #expect(ma[p] == 0) }
        // The same input gives the same output: the operator is fixed.
        #expect(Self.apply(&preconditioner, a) == ma)
    }

    @Test(arguments: [64, 128, 256])
    func iterationsDoNotGrowWithSize(size: Int) throws {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<3 {
            let problem = try HeatProblem.random(size: size, using: &rng)
            let iterations = try SteadyStateSolver().solveCountingIterations(problem).iterations
            #expect(iterations <= 14, "size \(size): \(iterations) iterations")
        }
    }
}

/// The shortcut that copies one stencil to every generic point must give exactly the
/// operator that the full Galerkin product gives, on every level.
@Suite struct GalerkinCoarseningTests {
    @Test(arguments: [9, 10, 17, 30, 33, 64, 65, 100])
    func genericShortcutMatchesTheFullProduct(size: Int) throws {
        var rng = SeededGenerator(seed: UInt64(size))
        let problem = try HeatProblem.random(size: size, using: &rng)
        let fine = MaskedLaplacian(mask: problem.sourceMask)
        var mask = fine.freeMask, generic = fine.genericPoints
        var n = size - 2
        var previous: StencilOperator? = nil
        var genericCount = 0
        while n > MultigridPreconditioner.coarsestSize {
            let transfer = GridTransfer(fineN: n, fineMask: mask)
            let noShortcut = [Bool](repeating: false, count: generic.count)
            let (fast, nextGeneric) = previous.map { transfer.coarsen($0, generic: generic) } ?? transfer.coarsen(fine, generic: generic)
            let (full, _) = previous.map { transfer.coarsen($0, generic: noShortcut) } ?? transfer.coarsen(fine, generic: noShortcut)
            var worst = 0.0
            for (a, b) in zip(fast.coefficients, full.coefficients) { worst = max(worst, abs(a - b)) }
            #expect(worst <= 1e-12, "size \(size), level of \(fast.n) points per side")
            genericCount += nextGeneric.filter { $0 }.count
            previous = fast
            generic = nextGeneric
            n = fast.n
            mask = (0..<((n + 2) * (n + 2))).map { p in
                let row = p / (n + 2), column = p % (n + 2)
                return (1...n).contains(row) && (1...n).contains(column) ? 1 : 0
            }
        }
        if size >= 64 { #expect(genericCount > 0, "the shortcut must be exercised") }
    }
}
