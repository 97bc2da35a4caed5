import CBLAS
import Glibc
import ONNX
import TandemNN

/// C ← α·op(A)·op(B) + β·C for a B computed at run time (constant weights go through
/// ``PackedMatrix``), row-major, as ``NNScalar/gemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``,
/// except that one row (m = 1) is computed as the matrix–vector product it is
/// (`cblas_sgemv` on op(B)ᵀ). OpenBLAS's `sgemm` packs all of B into its blocked layout
/// before multiplying, which for a single row costs about ten times the product itself
/// (a 1024×2048 B: about 3 ms against 0.3 ms).
///
/// With β = 0 the result does not read C (as for `sgemm`): C is zeroed first, since BLAS
/// may scale whatever it holds by β.
func matrixProduct(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                   b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m == 1 else {
        Float.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                   b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    if beta == 0 { c.update(repeating: 0, count: n) }
    // c (1×n) = α·a (1×k; with transA a column of stride lda)·op(B) + β·c = α·op(B)ᵀ·a + β·c.
    // B is k×n (no transB): op(B)ᵀ·a is B's transpose times a; B is n×k (transB): B times a.
    cblas_sgemv(CblasRowMajor, transB ? CblasNoTrans : CblasTrans, Int32(transB ? n : k), Int32(transB ? k : n),
                alpha, b, Int32(ldb), a, Int32(transA ? lda : 1), beta, c, 1)
}

/// Gemm: `alpha·op(A)·op(B) + beta·C` with C broadcast to the result. A constant B (a
/// dense layer's weights) is packed once for ``PackedMatrix``.
final class GemmOperator: Operator, @unchecked Sendable {
    let alpha: Float, beta: Float
    let transA: Bool, transB: Bool
    let packed: PackedMatrix?

    init(_ reader: inout NodeReader) throws(ONNXError) {
        alpha = try reader.float("alpha", default: 1)
        beta = try reader.float("beta", default: 1)
        transA = try reader.int("transA", default: 0) != 0
        let transB = try reader.int("transB", default: 0) != 0
        self.transB = transB
        if reader.opset < 7 { _ = try reader.int("broadcast", default: 0) }
        packed = PackedMatrix(constant: reader, input: 1, transposed: transB)
        super.init(label: reader.label)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let a = inputs[0]!, b = inputs[1]!
        guard a.count == 2, b.count == 2 else { throw invalid("A \(a) and B \(b) must be matrices") }
        let (m, k) = transA ? (a[1], a[0]) : (a[0], a[1])
        let (k2, n) = transB ? (b[1], b[0]) : (b[0], b[1])
        guard k == k2 else { throw invalid("A \(a) and B \(b) do not multiply") }
        if inputs.count > 2, let c = inputs[2] {
            guard try broadcast(c, [m, n], self) == [m, n] else { throw invalid("C \(c) does not broadcast to [\(m), \(n)]") }
        }
        return [[m, n]]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let a = inputs[0]!, b = inputs[1]!, out = outputs[0]
        let m = out.shape[0], n = out.shape[1]
        let k = transA ? a.shape[0] : a.shape[1]
        var betaUsed: Float = 0
        if inputs.count > 2, let c = inputs[2], beta != 0 {
            if c.count == n && c.shape.last == n {   // one row (a dense layer's bias) for every row
                for i in 0..<m { (out.pointer + i * n).update(from: c.pointer, count: n) }
            } else {
                walk([m, n], broadcastStrides(c.shape, to: [m, n])) { o, i in out.pointer[o] = c.pointer[i] }
            }
            betaUsed = beta
        }
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for i in 0..<(m * n) { out.pointer[i] *= betaUsed }
            return
        }
        if let packed {
            packed.multiply(a.pointer, rowStride: transA ? 1 : a.shape[1], depthStride: transA ? a.shape[1] : 1, rows: m,
                            alpha: alpha, beta: betaUsed, into: out.pointer, ldc: n)
        } else {
            matrixProduct(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a.pointer, lda: a.shape[1],
                          b: b.pointer, ldb: b.shape[1], beta: betaUsed, c: out.pointer, ldc: n)
        }
    }
}

/// MatMul with NumPy semantics: 1-D operands promoted, batch axes broadcast. A constant
/// 2-D B (a dense layer's weights) is packed once for ``PackedMatrix``, and all of A's rows
/// go through it in one product.
final class MatMulOperator: Operator, @unchecked Sendable {
    let packed: PackedMatrix?

    init(_ reader: inout NodeReader) {
        packed = PackedMatrix(constant: reader, input: 1, transposed: false)
        super.init(label: reader.label)
    }

    /// Shapes as at least 2-D, and the output shape.
    func plan(_ a: [Int], _ b: [Int]) throws(ONNXError) -> (a: [Int], b: [Int], batch: [Int], out: [Int]) {
        guard !a.isEmpty, !b.isEmpty else { throw invalid("MatMul of a scalar") }
        let a2 = a.count == 1 ? [1, a[0]] : a, b2 = b.count == 1 ? [b[0], 1] : b
        guard a2[a2.count - 1] == b2[b2.count - 2] else { throw invalid("\(a) and \(b) do not multiply") }
        let batch = try broadcast(Array(a2.dropLast(2)), Array(b2.dropLast(2)), self)
        var out = batch
        if a.count > 1 { out.append(a2[a2.count - 2]) }
        if b.count > 1 { out.append(b2[b2.count - 1]) }
        return (a2, b2, batch, out)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] { [try plan(inputs[0]!, inputs[1]!).out] }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let a = inputs[0]!, b = inputs[1]!, out = outputs[0]
        guard let p = try? plan(a.shape, b.shape) else { return }
        let m = p.a[p.a.count - 2], k = p.a[p.a.count - 1], n = p.b[p.b.count - 1]
        let count = p.batch.reduce(1, *)
        guard count > 0, m > 0, n > 0 else { return }
        if k == 0 { out.pointer.update(repeating: 0, count: out.count); return }
        if let packed {
            packed.multiply(a.pointer, rowStride: k, depthStride: 1, rows: a.count / k, alpha: 1, beta: 0,
                            into: out.pointer, ldc: n)
            return
        }
        let sa = broadcastStrides(Array(p.a.dropLast(2)), to: p.batch), sb = broadcastStrides(Array(p.b.dropLast(2)), to: p.batch)
        walk(p.batch, sa) { o, offsetA in
            var offsetB = 0
            var rest = o
            for axis in stride(from: p.batch.count - 1, through: 0, by: -1) {
                offsetB += (rest % p.batch[axis]) * sb[axis]
                rest /= p.batch[axis]
            }
            matrixProduct(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a.pointer + offsetA * m * k, lda: k,
                          b: b.pointer + offsetB * k * n, ldb: n, beta: 0, c: out.pointer + o * m * n, ldc: n)
        }
    }
}

/// Softmax and LogSoftmax along an axis (opset 13+), or over the axes from `axis` on (before 13).
final class SoftmaxOperator: Operator, @unchecked Sendable {
    let axis: Int
    let flattens: Bool
    let logarithm: Bool

    init(_ reader: inout NodeReader) throws(ONNXError) {
        logarithm = reader.node.opType == "LogSoftmax"
        flattens = reader.opset < 13
        axis = try reader.int("axis", default: flattens ? 1 : -1)
        super.init(label: reader.label)
    }

    override func shapes(_ inputs: [[Int]?]) throws(ONNXError) -> [[Int]] {
        let x = inputs[0]!
        _ = try normalizedAxis(axis, rank: x.count, self)
        return [x]
    }

    override func run(_ inputs: [Slot?], _ outputs: [Slot]) {
        let input = inputs[0]!, out = outputs[0]
        let shape = input.shape
        let a = axis < 0 ? axis + shape.count : axis
        let outer = shape[..<a].reduce(1, *)
        let (length, inner) = flattens ? (shape[a...].reduce(1, *), 1) : (shape[a], shape[(a + 1)...].reduce(1, *))
        guard length > 0 else { return }
        for o in 0..<outer {
            for j in 0..<inner {
                let base = o * length * inner + j
                var top = -Float.infinity
                for i in 0..<length { top = max(top, input.pointer[base + i * inner]) }
                var sum: Float = 0
                for i in 0..<length {
                    let e = expf(input.pointer[base + i * inner] - top)
                    out.pointer[base + i * inner] = e
                    sum += e
                }
                if logarithm {
                    let l = logf(sum)
                    for i in 0..<length { out.pointer[base + i * inner] = input.pointer[base + i * inner] - top - l }
                } else {
                    for i in 0..<length { out.pointer[base + i * inner] /= sum }
                }
            }
        }
    }
}
