/// A symmetric 9-point operator on the interior of a square grid, stored per point.
///
/// Vectors live on the padded `(n+2) × (n+2)` grid whose outer ring is always 0 (the
/// Dirichlet boundary), so kernels never test for edges. Coefficient `k` of a point couples
/// it to the neighbour at `(dy, dx) = (k / 3 − 1, k % 3 − 1)`; `k = 4` is the diagonal.
/// A row whose diagonal is 0 (a coarse point that no free fine point interpolates from)
/// is inert: kernels leave its value at 0.
struct StencilOperator {
    /// Interior points per side.
    let n: Int
    /// Row length of the padded grid.
    var stride: Int { n + 2 }
    /// 9 coefficients per padded point; the ring's are 0.
    var coefficients: [Double]
    /// 1 / diagonal per padded point, 0 where the diagonal is 0 and on the ring.
    private(set) var inverseDiagonal: [Double] = []

    /// An operator with every coefficient 0.
    init(n: Int) {
        self.n = n
        coefficients = [Double](repeating: 0, count: 9 * (n + 2) * (n + 2))
    }

    /// Number of points of the padded grid, the length of every vector on it.
    var paddedCount: Int { stride * stride }

    /// Linear offsets of the 9 neighbours in the padded grid, in coefficient order.
    var neighbourOffsets: [Int] {
        (0..<9).map { k in (k / 3 - 1) * stride + (k % 3 - 1) }
    }

    /// Computes ``inverseDiagonal``; call after the coefficients are final.
    mutating func finalize() {
        inverseDiagonal = (0..<paddedCount).map { p in
            let d = coefficients[9 * p + 4]
            return d != 0 ? 1 / d : 0
        }
    }

    /// `y = A x` on the interior.
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let offsets = neighbourOffsets
        coefficients.withUnsafeBufferPointer { a in
            for row in 1...n {
                for p in (row * stride + 1)...(row * stride + n) {
                    var sum = 0.0
                    for k in 0..<9 { sum += a[9 * p + k] * x[p + offsets[k]] }
                    y[p] = sum
                }
            }
        }
    }

    /// `r = b − A x` on the interior.
    func residual(_ x: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>,
                  into r: UnsafeMutableBufferPointer<Double>) {
        let offsets = neighbourOffsets
        coefficients.withUnsafeBufferPointer { a in
            for row in 1...n {
                for p in (row * stride + 1)...(row * stride + n) {
                    var sum = b[p]
                    for k in 0..<9 { sum -= a[9 * p + k] * x[p + offsets[k]] }
                    r[p] = sum
                }
            }
        }
    }

    /// One Gauss–Seidel sweep for `A x = b`, in lexicographic order (`forward`) or reversed.
    /// A forward sweep followed by a backward one is a symmetric smoother.
    func gaussSeidel(_ x: UnsafeMutableBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, forward: Bool) {
        let offsets = neighbourOffsets
        coefficients.withUnsafeBufferPointer { a in
            inverseDiagonal.withUnsafeBufferPointer { inverse in
                for i in 0..<n {
                    let row = forward ? 1 + i : n - i
                    for j in 0..<n {
                        let p = row * stride + (forward ? 1 + j : n - j)
                        var sum = b[p]
                        for k in 0..<9 where k != 4 { sum -= a[9 * p + k] * x[p + offsets[k]] }
                        x[p] = sum * inverse[p]
                    }
                }
            }
        }
    }
}
