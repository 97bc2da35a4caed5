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

    static var galerkinTable: GalerkinTable { .ninePoint }

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

    // The smoother is lexicographic Gauss–Seidel: a forward sweep from x = 0 before the
    // coarse correction, a backward sweep after it, which together are symmetric. Starting
    // from 0, the forward sweep needs only the neighbours already updated (NW, N, NE, W:
    // the others are still 0), and afterwards the residual at a point is exactly what the
    // neighbours updated after it contribute: r = −(a_E x_E + a_SW x_SW + a_S x_S + a_SE x_SE).
    // Index arithmetic wraps instead of checking: every index is inside the padded grid.

    /// The forward Gauss–Seidel sweep from x = 0 for `A x = b`; writes every interior point.
    func forwardSweepFromZero(_ x: UnsafeMutablePointer<Double>, _ b: UnsafePointer<Double>) {
        let s = stride
        coefficients.withUnsafeBufferPointer { a in
            inverseDiagonal.withUnsafeBufferPointer { inverse in
                let a = a.baseAddress!
                for row in 1...n {
                    for p in (row * s + 1)...(row * s + n) {
                        let c = 9 &* p
                        let earlier = a[c] * x[p &- s &- 1] + a[c &+ 1] * x[p &- s] + a[c &+ 2] * x[p &- s &+ 1]
                            + a[c &+ 3] * x[p &- 1]
                        x[p] = (b[p] - earlier) * inverse[p]
                    }
                }
            }
        }
    }

    /// `r = b − A x` right after ``forwardSweepFromZero(_:_:)``.
    func residualAfterForwardSweep(_ x: UnsafePointer<Double>, into r: UnsafeMutablePointer<Double>) {
        let s = stride
        coefficients.withUnsafeBufferPointer { a in
            let a = a.baseAddress!
            for row in 1...n {
                for p in (row * s + 1)...(row * s + n) {
                    let c = 9 &* p
                    r[p] = -(a[c &+ 5] * x[p &+ 1] + a[c &+ 6] * x[p &+ s &- 1] + a[c &+ 7] * x[p &+ s]
                        + a[c &+ 8] * x[p &+ s &+ 1])
                }
            }
        }
    }

    /// One backward (reverse lexicographic) Gauss–Seidel sweep for `A x = b`.
    func backwardSweep(_ x: UnsafeMutablePointer<Double>, _ b: UnsafePointer<Double>) {
        let s = stride
        coefficients.withUnsafeBufferPointer { a in
            inverseDiagonal.withUnsafeBufferPointer { inverse in
                let a = a.baseAddress!
                for i in 0..<n {
                    let last = (n - i) * s + n
                    for j in 0..<n {
                        let p = last &- j, c = 9 &* p
                        let above = a[c] * x[p &- s &- 1] + a[c &+ 1] * x[p &- s] + a[c &+ 2] * x[p &- s &+ 1]
                        let below = a[c &+ 6] * x[p &+ s &- 1] + a[c &+ 7] * x[p &+ s] + a[c &+ 8] * x[p &+ s &+ 1]
                        x[p] = (b[p] - (above + below + a[c &+ 3] * x[p &- 1] + a[c &+ 5] * x[p &+ 1])) * inverse[p]
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
    /// The Galerkin terms for this operator's stencil (which coefficients can be nonzero).
    static var galerkinTable: GalerkinTable { get }
}
