/// A symmetric 9-point operator on the interior of a square grid, stored per point.
///
/// Vectors live on the padded `(n+2) × (n+2)` grid whose outer ring is always 0 (the
/// Dirichlet boundary), so kernels never test for edges. Coefficient `k` of a point couples
/// it to the neighbour at `(dy, dx) = (k / 3 − 1, k % 3 − 1)`; `k = 4` is the diagonal.
/// A row whose diagonal is 0 (a coarse point that no free fine point interpolates from)
/// is inert: kernels leave its value at 0.
struct StencilOperator: StencilCoefficients {
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

    @inline(__always)
    func coefficient(at p: Int, _ k: Int) -> Double { coefficients[9 * p + k] }

    @inline(__always)
    func coefficientBetweenFreePoints(at p: Int, _ k: Int) -> Double { coefficients[9 * p + k] }

    static var couplings: [Int] { Array(0..<9) }

    /// A copy of another operator's interior coefficients, finalized.
    init(copying source: some StencilCoefficients, n: Int) {
        self.init(n: n)
        for row in 1...n {
            for p in (row * stride + 1)...(row * stride + n) {
                for k in 0..<9 { coefficients[9 * p + k] = source.coefficient(at: p, k) }
            }
        }
        finalize()
    }

    /// Number of points of the padded grid, the length of every vector on it.
    var paddedCount: Int { stride * stride }

    /// Computes ``inverseDiagonal``; call after the coefficients are final.
    mutating func finalize() {
        inverseDiagonal = (0..<paddedCount).map { p in
            let d = coefficients[9 * p + 4]
            return d != 0 ? 1 / d : 0
        }
    }

    /// The weighted sum of the 8 off-diagonal neighbours of `p`: `Σ_{k≠4} a[9p+k] x[p+offset(k)]`.
    /// Index arithmetic wraps instead of checking: `p` is an interior point of the padded grid.
    @inline(__always)
    private func offDiagonalSum(_ a: UnsafePointer<Double>, _ x: UnsafePointer<Double>, _ p: Int) -> Double {
        let s = stride, c = 9 &* p
        let above = a[c] * x[p &- s &- 1] + a[c &+ 1] * x[p &- s] + a[c &+ 2] * x[p &- s &+ 1]
        let below = a[c &+ 6] * x[p &+ s &- 1] + a[c &+ 7] * x[p &+ s] + a[c &+ 8] * x[p &+ s &+ 1]
        return above + below + a[c &+ 3] * x[p &- 1] + a[c &+ 5] * x[p &+ 1]
    }

    /// `r = b − A x` on the interior.
    func residual(_ x: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>,
                  into r: UnsafeMutableBufferPointer<Double>) {
        guard let xs = x.baseAddress else { return }
        coefficients.withUnsafeBufferPointer { a in
            let a = a.baseAddress!
            for row in 1...n {
                for p in (row * stride + 1)...(row * stride + n) {
                    r[p] = b[p] - a[9 &* p &+ 4] * xs[p] - offDiagonalSum(a, xs, p)
                }
            }
        }
    }

    /// One Gauss–Seidel sweep for `A x = b`, in lexicographic order (`forward`) or reversed.
    /// A forward sweep followed by a backward one is a symmetric smoother.
    func gaussSeidel(_ x: UnsafeMutableBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>, forward: Bool) {
        guard let xs = x.baseAddress else { return }
        coefficients.withUnsafeBufferPointer { a in
            inverseDiagonal.withUnsafeBufferPointer { inverse in
                let a = a.baseAddress!
                if forward {
                    for row in 1...n {
                        for p in (row * stride + 1)...(row * stride + n) {
                            xs[p] = (b[p] - offDiagonalSum(a, xs, p)) * inverse[p]
                        }
                    }
                } else {
                    for row in (1...n).reversed() {
                        for p in (row * stride + 1...row * stride + n).reversed() {
                            xs[p] = (b[p] - offDiagonalSum(a, xs, p)) * inverse[p]
                        }
                    }
                }
            }
        }
    }
}

/// A 9-point operator on a padded grid, read one coefficient at a time (for coarsening).
protocol StencilCoefficients {
    /// The coefficient coupling padded point `p` to its neighbour `k` (`k = 4`: itself), in
    /// the order of ``StencilOperator``.
    func coefficient(at p: Int, _ k: Int) -> Double
    /// The same, for `p` and its neighbour `k` both free (mask 1); may be cheaper.
    func coefficientBetweenFreePoints(at p: Int, _ k: Int) -> Double
    /// The stencil indices whose coefficient can be nonzero.
    static var couplings: [Int] { get }
}
