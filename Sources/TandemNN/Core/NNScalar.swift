import CBLAS
import Glibc
import TandemTensor

/// The element types TandemNN computes in: `Float` for speed, `Double` for gradient checks.
///
/// Each conformance supplies the few operations the kernels cannot write generically:
/// the exponential (for SELU) and the BLAS matrix product.
public protocol NNScalar: BinaryFloatingPoint, SIMDScalar, TensorScalar, Sendable
where Self.RawSignificand: FixedWidthInteger {
    /// eˣ.
    static func exp(_ x: Self) -> Self

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
