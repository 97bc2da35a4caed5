import CBLAS
import Glibc
import TandemTensor

/// The element types TandemNN computes in: `Float` for speed, `Double` for gradient checks.
///
/// Each conformance supplies the few operations the kernels cannot write generically:
/// the exponential (for SELU) and the BLAS matrix product.
public protocol NNScalar: BinaryFloatingPoint, SIMDScalar, TensorScalar, Codable, Sendable {
    /// eˣ.
    static func exp(_ x: Self) -> Self

    /// eˣ, written so a loop of it vectorises: `Float` uses a branch-free polynomial
    /// (Cephes `expf`, relative error about 2e-7, input clamped to [−87, 88]); `Double`
    /// calls the C library (exact, used for gradient checks).
    static func fastExp(_ x: Self) -> Self

    /// C ← α·op(A)·op(B) + β·C, row-major, as `cblas_?gemm`.
    ///
    /// - Precondition: the pointers cover the matrices their leading dimensions describe.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: NNScalar {
    @inline(__always) public static func exp(_ x: Float) -> Float { Glibc.expf(x) }

    @inline(__always)
    public static func fastExp(_ v: Float) -> Float {
        // Written as max then min so each compiles to one vector instruction.
        let low = v > -87 ? v : -87
        let x = low < 88 ? low : 88
        // n = round(x / ln 2) via the 1.5·2²³ trick: the low mantissa bits of t then hold n.
        let t = x * 1.442_695_04 + 12_582_912
        let n = t - 12_582_912
        let r = x - n * 0.693_359_375 - n * -2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let y = p * r * r + r + 1
        return y * Float(bitPattern: (t.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
    }

    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension Double: NNScalar {
    @inline(__always) public static func exp(_ x: Double) -> Double { Glibc.exp(x) }

    @inline(__always) public static func fastExp(_ x: Double) -> Double { Glibc.exp(x) }

    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
