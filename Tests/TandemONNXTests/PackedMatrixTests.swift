import ONNX
import TandemNN
@testable import TandemONNX
import TandemTensor
import TandemTesting
import Testing

/// The packed dense-layer product: every kernel set against a Double reference, for every
/// row, column and depth count its blocks treat differently; a row's result the same bits
/// in any batch and whether or not the columns were split over the pool; Gemm and MatMul
/// with constant weights against the same graphs with the weights as inputs (unpacked).
@Suite struct PackedMatrixTests {
    static func random(_ count: Int, _ generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
    }

    /// `alpha·A·op(B) + beta·C` with A `m`×`k` (rows `lda` apart, or its transpose stored
    /// when `transA`), in Double.
    static func reference(_ a: [Float], transA: Bool, lda: Int, _ b: [Float], transB: Bool, m: Int, k: Int, n: Int,
                          alpha: Float, beta: Float, c: [Float]) -> [Float] {
        (0..<(m * n)).map { index in
            let i = index / n, j = index % n
            var sum = 0.0
            for t in 0..<k {
                let x = transA ? a[t * lda + i] : a[i * lda + t]
                sum += Double(x) * Double(transB ? b[j * k + t] : b[t * n + j])
            }
            return Float(Double(alpha) * sum + (beta == 0 ? 0 : Double(beta) * Double(c[index])))
        }
    }

    static func multiply(_ packed: PackedMatrix, _ a: [Float], transA: Bool, lda: Int, m: Int, alpha: Float, beta: Float,
                         c: [Float], kernels: KernelSet) -> [Float] {
        var out = c
        a.withUnsafeBufferPointer { pa in
            out.withUnsafeMutableBufferPointer { po in
                packed.multiply(pa.baseAddress!, rowStride: transA ? 1 : lda, depthStride: transA ? lda : 1, rows: m,
                                alpha: alpha, beta: beta, into: po.baseAddress!, ldc: packed.n, kernels: kernels)
            }
        }
        return out
    }

    /// Rows from 1 to 33 (blocks of eight and every remainder below eight), columns around
    /// the 16-wide panels and their groups of three and two, depths from 1 up.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 16, 17, 33])
    func everySetMatchesADoubleReference(rows m: Int) {
        var g = SeededGenerator(seed: UInt64(m))
        for (k, n) in [(1, 1), (7, 15), (16, 16), (5, 17), (33, 48), (64, 50), (9, 100), (40, 112)] {
            for (transA, transB) in [(false, false), (true, true), (false, true)] {
                let (alpha, beta): (Float, Float) = transB ? (0.7, 1.3) : (1, 0)
                let lda = transA ? m + 2 : k + 3
                let a = Self.random((transA ? k : m) * lda, &g), b = Self.random(k * n, &g)
                let c = Self.random(m * n, &g)
                let packed = PackedMatrix(b, k: k, n: n, transposed: transB)
                let expected = Self.reference(a, transA: transA, lda: lda, b, transB: transB, m: m, k: k, n: n,
                                              alpha: alpha, beta: beta, c: c)
                var results: [KernelSet: [Float]] = [:]
                for set in KernelSet.supported {
                    let out = Self.multiply(packed, a, transA: transA, lda: lda, m: m, alpha: alpha, beta: beta, c: c, kernels: set)
                    let worst = zip(out, expected).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
                    #expect(worst < 1e-5, "\(set) m \(m) k \(k) n \(n) transA \(transA) transB \(transB): \(worst)")
                    results[set] = out
                }
                // AVX-512 does AVX2's arithmetic in AVX2's order.
                if let avx2 = results[.avx2], let avx512 = results[.avx512] {
                    #expect(avx2 == avx512, "m \(m) k \(k) n \(n)")
                }
            }
        }
    }

    /// Each row of a 16-row product equals that row multiplied alone, bit for bit, on every
    /// set: auto-batching changes no answer of a dense layer.
    @Test func aRowsResultDoesNotDependOnItsBatch() {
        var g = SeededGenerator(seed: 5)
        let m = 16, k = 300, n = 130
        let a = Self.random(m * k, &g), b = Self.random(k * n, &g), zero = [Float](repeating: 0, count: m * n)
        let packed = PackedMatrix(b, k: k, n: n, transposed: true)
        for set in KernelSet.supported {
            let batch = Self.multiply(packed, a, transA: false, lda: k, m: m, alpha: 1, beta: 0, c: zero, kernels: set)
            for split in [1, 3, 5, 7] {
                var rows: [Float] = []
                var first = 0
                while first < m {
                    let count = min(split, m - first)
                    rows += Self.multiply(packed, Array(a[(first * k)..<((first + count) * k)]), transA: false, lda: k, m: count,
                                          alpha: 1, beta: 0, c: Array(zero[0..<(count * n)]), kernels: set)
                    first += count
                }
                #expect(rows == batch, "\(set): rows in groups of \(split)")
            }
        }
    }

    /// A product large enough to split its columns over the shared pool gives the bits of
    /// the same product run whole (the pool held by the test, so the product finds it busy).
    @Test func splittingColumnsOverThePoolChangesNoResult() {
        var g = SeededGenerator(seed: 9)
        let m = 8, k = 1024, n = 1000
        #expect(m * k * n >= PackedMatrix.parallelWork)
        let a = Self.random(m * k, &g), b = Self.random(k * n, &g), zero = [Float](repeating: 0, count: m * n)
        let packed = PackedMatrix(b, k: k, n: n, transposed: false)
        let split = Self.multiply(packed, a, transA: false, lda: k, m: m, alpha: 1, beta: 0, c: zero, kernels: .active)
        var whole: [Float] = []
        var poolWasFree = false
        SharedPool.shared.withPool { pool in
            poolWasFree = true
            whole = Self.multiply(packed, a, transA: false, lda: k, m: m, alpha: 1, beta: 0, c: zero, kernels: .active)
        }
        #expect(poolWasFree)
        #expect(split == whole)
        let expected = Self.reference(a, transA: false, lda: k, b, transB: false, m: m, k: k, n: n, alpha: 1, beta: 0, c: zero)
        #expect(zip(split, expected).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) })
    }

    /// A dense layer (Gemm with `transB`, a MatMul on a 3-D input) with constant weights
    /// (packed) computes what the same graph computes with the weights as graph inputs
    /// (multiplied by BLAS), at batch 1 and batch 10.
    @Test func constantWeightsGiveWhatWeightInputsGive() throws {
        var g = SeededGenerator(seed: 3)
        let w1 = Self.random(40 * 24, &g), b1 = Self.random(40, &g), w2 = Self.random(40 * 18, &g)
        func model(constant: Bool) -> ONNXModel {
            let initializers = constant
                ? [ONNXTensor(name: "w1", dims: [40, 24], floats: w1), ONNXTensor(name: "w2", dims: [40, 18], floats: w2)] : []
            var inputs = [ONNXValueInfo(name: "x", elementType: .float, shape: [.parameter("N"), .value(3), .value(24)])]
            if !constant {
                inputs += [ONNXValueInfo(name: "w1", elementType: .float, shape: [.value(40), .value(24)]),
                           ONNXValueInfo(name: "w2", elementType: .float, shape: [.value(40), .value(18)])]
            }
            let graph = ONNXGraph(
                name: "dense", nodes: [
                    ONNXNode(name: "flat", opType: "Reshape", inputs: ["x", "rows"], outputs: ["f"]),
                    ONNXNode(name: "fc", opType: "Gemm", inputs: ["f", "w1", "b1"], outputs: ["h"],
                             attributes: [ONNXAttribute(name: "transB", .int(1)), ONNXAttribute(name: "alpha", .float(0.5))]),
                    ONNXNode(name: "back", opType: "Reshape", inputs: ["h", "shape"], outputs: ["h3"]),
                    ONNXNode(name: "mm", opType: "MatMul", inputs: ["h3", "w2"], outputs: ["y"]),
                ],
                initializers: initializers + [ONNXTensor(name: "b1", dims: [40], floats: b1),
                                              ONNXTensor(name: "rows", dims: [2], int64s: [-1, 24]),
                                              ONNXTensor(name: "shape", dims: [3], int64s: [-1, 3, 40])],
                inputs: inputs,
                outputs: [ONNXValueInfo(name: "y", elementType: .float, shape: [.parameter("N"), .value(3), .value(18)])])
            return ONNXModel(opsetImports: [.init(version: 17)], producerName: "test", graph: graph)
        }
        let packed = try ONNXSession(model: model(constant: true))
        let unpacked = try ONNXSession(model: model(constant: false))
        for batch in [1, 10] {
            let x = Tensor(shape: [batch, 3, 24], scalars: Self.random(batch * 72, &g))
            let got = try packed.run([x])[0]
            let want = try unpacked.run([x, Tensor(shape: [40, 24], scalars: w1), Tensor(shape: [40, 18], scalars: w2)])[0]
            #expect(got.shape == [batch, 3, 18])
            let worst = zip(got.scalars(as: Float.self), want.scalars(as: Float.self)).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-5, "batch \(batch): \(worst)")
        }
    }
}
