/// The exact solve on the coarsest grid: the operator as a dense matrix, LU-factorised once
/// with partial pivoting. Inert rows (diagonal 0) become identity rows, so they stay 0.
struct DenseCoarseSolver {
    private let op: StencilOperator
    private var lu: [Double]
    private var pivots: [Int]
    private let m: Int

    init(_ op: StencilOperator) {
        self.op = op
        m = op.n * op.n
        lu = [Double](repeating: 0, count: m * m)
        pivots = Array(0..<m)
        let n = op.n, stride = op.stride
        for row in 0..<m {
            let p = (row / n + 1) * stride + row % n + 1
            if op.coefficients[9 * p + 4] == 0 {
                lu[row * m + row] = 1
                continue
            }
            for k in 0..<9 {
                let qy = row / n + k / 3 - 1, qx = row % n + k % 3 - 1
                guard (0..<n).contains(qy), (0..<n).contains(qx) else { continue }
                lu[row * m + qy * n + qx] = op.coefficients[9 * p + k]
            }
        }
        for col in 0..<m {
            var best = col
            for row in col..<m where abs(lu[row * m + col]) > abs(lu[best * m + col]) { best = row }
            if best != col {
                for k in 0..<m { lu.swapAt(col * m + k, best * m + k) }
                pivots.swapAt(col, best)
            }
            let pivot = lu[col * m + col]
            guard pivot != 0 else { continue }
            for row in (col + 1)..<m {
                let factor = lu[row * m + col] / pivot
                lu[row * m + col] = factor
                if factor == 0 { continue }
                for k in (col + 1)..<m { lu[row * m + k] -= factor * lu[col * m + k] }
            }
        }
    }

    /// `x = A⁻¹ b` on the padded grid.
    func solve(_ b: UnsafeBufferPointer<Double>, into x: UnsafeMutableBufferPointer<Double>) {
        let n = op.n, rowLength = op.stride
        var y = pivots.map { row in b[(row / n + 1) * rowLength + row % n + 1] }
        for row in 0..<m {
            for k in 0..<row { y[row] -= lu[row * m + k] * y[k] }
        }
        for row in stride(from: m - 1, through: 0, by: -1) {
            for k in (row + 1)..<m { y[row] -= lu[row * m + k] * y[k] }
            let d = lu[row * m + row]
            y[row] = d != 0 ? y[row] / d : 0
        }
        for row in 0..<m { x[(row / n + 1) * rowLength + row % n + 1] = y[row] }
    }
}
