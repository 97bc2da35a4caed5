import CTandemKernels
import TandemNN

/// A constant right-hand matrix B (`k`×`n`) of a matrix product, packed once when the model
/// is planned into the layout of `tk_packed_product`: panels of 16 columns, each `k` rows of
/// 16 floats. A dense layer's product then streams its weights once for all the rows of a
/// batch, in the order the kernel reads them, with no packing per run (OpenBLAS's `sgemm`
/// re-packs all of B on every call, which costs more than the product at a few rows).
///
/// Each result is summed in the same order whatever the number of rows, so a sample's
/// answer does not depend on the batch it runs in (auto-batching changes no answer).
struct PackedMatrix: Sendable {
    /// The product's depth (B's rows).
    let k: Int
    /// B's columns.
    let n: Int
    private let panels: [Float]

    /// Packs B from `values`: row-major `k`×`n`, or `n`×`k` when `transposed` (as `Gemm`'s
    /// `transB = 1` and PyTorch's `nn.Linear` weights `[out, in]` are).
    init(_ values: [Float], k: Int, n: Int, transposed: Bool) {
        precondition(values.count == k * n, "PackedMatrix: \(values.count) values for \(k)×\(n)")
        self.k = k
        self.n = n
        var panels = [Float](repeating: 0, count: tk_packed_count(k, n))
        for j in 0..<n {
            let base = j / 16 * k * 16 + j % 16
            for t in 0..<k { panels[base + t * 16] = transposed ? values[j * k + t] : values[t * n + j] }
        }
        self.panels = panels
    }

    /// Input `input` of the node when it is a constant float matrix with no empty side,
    /// packed (`transposed` as for ``init(_:k:n:transposed:)``); else nil.
    init?(constant reader: NodeReader, input: Int, transposed: Bool) {
        guard let b = reader.constantFloats(input), b.shape.count == 2, b.shape[0] > 0, b.shape[1] > 0 else { return nil }
        self.init(b.values, k: transposed ? b.shape[1] : b.shape[0], n: transposed ? b.shape[0] : b.shape[1],
                  transposed: transposed)
    }

    /// Products of at least this many multiply–adds split their columns over the shared
    /// compute pool (when no other run holds it): at a few rows a dense layer is bound by
    /// streaming its weights, which a second thread halves, and each thread's share is still
    /// hundreds of microseconds against a hand-off of a few.
    static let parallelWork = 1 << 20

    /// `c[i·ldc + j] = alpha·Σ_t A[i][t]·B[t][j] + beta·c[i·ldc + j]` for `m` rows, where
    /// `A[i][t] = a[i·rowStride + t·depthStride]` (`beta` 0: `c` is not read). Large products
    /// share their columns out over ``SharedPool`` (see ``parallelWork``); the split never
    /// changes a result. `kernels` is the kernel set (the process's by default).
    func multiply(_ a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, rows m: Int, alpha: Float, beta: Float,
                  into c: UnsafeMutablePointer<Float>, ldc: Int, kernels: KernelSet = .active) {
        panels.withUnsafeBufferPointer { buffer in
            let b = buffer.baseAddress!, set = kernels.code
            let panelCount = (n + 15) / 16
            /// Columns from panel `first` for `count` panels.
            func product(_ first: Int, _ count: Int) {
                tk_packed_product(set, a, rowStride, depthStride, m, k, b + first * k * 16, min(n - first * 16, count * 16),
                                  alpha, beta, c + first * 16, ldc)
            }
            // In Double, so that no product of sizes can overflow (and trap inside Redis).
            guard Double(m) * Double(k * n) >= Double(Self.parallelWork), panelCount >= 12 else {
                return product(0, panelCount)
            }
            SharedPool.shared.withPool { pool in
                guard let pool else { return product(0, panelCount) }
                // Shares of whole groups of six panels (the kernel takes three, then two), a
                // few per thread so that a descheduled thread's share is taken by the others.
                let tasks = min(panelCount / 6, pool.threads * 4)
                pool.run(tasks: tasks) { task, _ in
                    let first = panelCount * task / tasks / 6 * 6
                    let end = task == tasks - 1 ? panelCount : panelCount * (task + 1) / tasks / 6 * 6
                    product(first, end - first)
                }
            }
        }
    }
}
