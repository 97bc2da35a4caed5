import CBLAS
import HeatDiffusion
import Synchronization

/// The reference method: the whole `size² × size²` system assembled densely and solved by
/// LU with partial pivoting (LAPACK `dgesv` from OpenBLAS), in double precision.
enum DenseReference {
    /// One `dgesv` at a time: parameterized cases run in parallel, and concurrent calls into
    /// OpenBLAS's threaded LU were seen to hang with both cores busy.
    private static let lapack = Mutex(())

    static func solve(_ problem: HeatProblem) -> [Double] {
        let size = problem.size
        let n = size * size
        let mask = problem.sourceMask
        var a = [Double](repeating: 0, count: n * n)   // column-major
        var b = [Double](repeating: 0, count: n)
        for row in 0..<size {
            for column in 0..<size {
                let p = row * size + column
                let boundary = row == 0 || column == 0 || row == size - 1 || column == size - 1
                if boundary || mask[row, column] {
                    a[p * n + p] = 1
                    b[p] = boundary ? 0 : 1
                } else {
                    a[p * n + p] = 4
                    for q in [p - 1, p + 1, p - size, p + size] { a[q * n + p] = -1 }
                }
            }
        }
        var order = Int32(n), rhs: Int32 = 1, lda = Int32(n), ldb = Int32(n), info: Int32 = 0
        var pivots = [Int32](repeating: 0, count: n)
        lapack.withLock { _ in dgesv_(&order, &rhs, &a, &lda, &pivots, &b, &ldb, &info) }
        precondition(info == 0, "dgesv failed with info \(info)")
        return b
    }
}
