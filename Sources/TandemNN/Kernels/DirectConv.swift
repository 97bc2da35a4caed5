/// Direct convolution kernels for one ``ConvGeometry`` and channel pair, with their
/// tap tables and scratch kept between calls.
///
/// Weights are in Keras layout for both layer kinds, `[k][k][bigChannels][smallChannels]`
/// (Conv2D: `[kh][kw][in][out]`; Conv2DTranspose: `[kh][kw][out][in]`).
///
/// - ``gather(big:weights:bias:into:pool:)``: `small = conv(big)` — Conv2D forward and
///   Conv2DTranspose's input gradient.
/// - ``scatter(small:weights:bias:into:pool:)``: `big = convᵀ(small)` — Conv2DTranspose
///   forward and Conv2D's input gradient. Stride 2 is split into its phases (output rows
///   and columns of each parity), each a dense gather, so no multiplication by inserted
///   zeros is done.
/// - ``weightGradient(big:small:into:pool:)``: `∂w[k][cb][cs] += Σ big[cb][o·s+k−pad] · small[cs][o]`.
///
/// Images are padded into per-worker scratch first (zero borders; for stride 2 the columns
/// are split by parity), so the inner loops have no bounds checks.
final class DirectConv<Scalar: NNScalar>: @unchecked Sendable {
    typealias Vector = SIMD8<Scalar>
    let geometry: ConvGeometry
    let bigChannels: Int
    let smallChannels: Int

    // Gather layout: padded big image [cb][row][phase][L].
    private let gatherRowLength: Int
    private let gatherRows: Int
    private let gatherTaps: [Int]
    private let roundedSmallWidth: Int

    // Scatter layout: padded small image [cs][row][Lq] with front pad `scatterFront`.
    private let scatterFront: Int
    private let scatterRows: Int
    private let scatterRowLength: Int
    private let roundedPhaseWidth: Int
    /// For each phase (ry, rx): its range in `scatterTaps` and the kernel indices of its taps.
    private let phaseRanges: [Range<Int>]
    private let scatterTaps: [Int]
    private let scatterKernelIndex: [Int]

    private let weightsGather = Workspace<Scalar>()
    private let weightsScatter = Workspace<Scalar>()
    private let scratch = WorkerWorkspaces<Scalar>()
    private let partial = WorkerWorkspaces<Scalar>()

    init(geometry g: ConvGeometry, bigChannels: Int, smallChannels: Int) {
        geometry = g
        self.bigChannels = bigChannels
        self.smallChannels = smallChannels
        let s = g.stride, k = g.kernel
        roundedSmallWidth = (g.smallWidth + 7) / 8 * 8
        gatherRowLength = max((g.padLeft + g.bigWidth + s - 1) / s, roundedSmallWidth + (k - 1) / s) + 8
        gatherRows = max(g.padTop + g.bigHeight, (g.smallHeight - 1) * s + k)
        var taps: [Int] = []
        for cb in 0..<bigChannels {
            for ky in 0..<k {
                for kx in 0..<k {
                    taps.append(((cb * gatherRows + ky) * s + kx % s) * gatherRowLength + kx / s)
                }
            }
        }
        gatherTaps = taps

        scatterFront = k
        let phaseWidth = (g.bigWidth + s - 1) / s
        roundedPhaseWidth = (phaseWidth + 7) / 8 * 8
        scatterRows = scatterFront + g.smallHeight + k + 1
        scatterRowLength = scatterFront + max(g.smallWidth, roundedPhaseWidth) + k + 8
        var ranges: [Range<Int>] = []
        var sTaps: [Int] = []
        var sIndex: [Int] = []
        for ry in 0..<s {
            for rx in 0..<s {
                let start = sTaps.count
                for cs in 0..<smallChannels {
                    for ky in 0..<k where (ry + g.padTop - ky + k * s) % s == 0 {
                        let dy = (ry + g.padTop - ky + k * s) / s - k
                        for kx in 0..<k where (rx + g.padLeft - kx + k * s) % s == 0 {
                            let dx = (rx + g.padLeft - kx + k * s) / s - k
                            sTaps.append((cs * scatterRows + dy + scatterFront) * scatterRowLength + dx + scatterFront)
                            sIndex.append((ky * k + kx) * bigChannels * smallChannels + cs)
                        }
                    }
                }
                ranges.append(start..<sTaps.count)
            }
        }
        phaseRanges = ranges
        scatterTaps = sTaps
        scatterKernelIndex = sIndex
    }

    /// The number of weights: `k · k · bigChannels · smallChannels`.
    var weightCount: Int { geometry.kernel * geometry.kernel * bigChannels * smallChannels }

    private func tasks(batch: Int, rows: Int, pool: ComputePool) -> (blocks: Int, count: Int) {
        // Splitting one sample's rows over threads costs more in wake-ups and duplicated
        // padding than it saves at these sizes (measured: batch 1 is faster on one thread).
        (1, batch)
    }

    // MARK: Gather (Conv2D forward)

    /// Pads sample `n` of `big` into `buffer` in the gather layout.
    private func padBig(_ big: FeatureMap<Scalar>, sample n: Int, into buffer: UnsafeMutablePointer<Scalar>) {
        let g = geometry, s = g.stride, L = gatherRowLength
        for cb in 0..<bigChannels {
            let plane = big.plane(n, cb)
            for py in 0..<gatherRows {
                let row = buffer + (cb * gatherRows + py) * s * L
                let iy = py - g.padTop
                if iy < 0 || iy >= g.bigHeight {
                    row.update(repeating: 0, count: s * L)
                    continue
                }
                let source = plane + iy * g.bigWidth
                if s == 1 {
                    row.update(repeating: 0, count: g.padLeft)
                    (row + g.padLeft).update(from: source, count: g.bigWidth)
                    (row + g.padLeft + g.bigWidth).update(repeating: 0, count: L - g.padLeft - g.bigWidth)
                } else {
                    for phase in 0..<s {
                        let out = row + phase * L
                        // Valid j: 0 ≤ j·s + phase − padLeft < bigWidth.
                        let first = max(0, (g.padLeft - phase + s - 1) / s)
                        let end = max(first, min(L, (g.bigWidth - 1 + g.padLeft - phase) / s + 1))
                        out.update(repeating: 0, count: first)
                        let start = source + phase - g.padLeft
                        for j in first..<end { out[j] = start[j * s] }
                        (out + end).update(repeating: 0, count: L - end)
                    }
                }
            }
        }
    }

    /// `small = conv(big) + bias`, overwriting `small` (which must already have its shape).
    func gather(
        big: FeatureMap<Scalar>, weights: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>?,
        into small: FeatureMap<Scalar>, pool: ComputePool
    ) {
        let g = geometry, s = g.stride, L = gatherRowLength
        let cs = smallChannels, T = gatherTaps.count
        let w = weightsGather.reserve(weightCount)
        for t in 0..<T {
            let cb = t / (g.kernel * g.kernel), kk = t % (g.kernel * g.kernel)
            for c in 0..<cs { w[t * cs + c] = weights[(kk * bigChannels + cb) * cs + c] }
        }
        scratch.prepare(workers: pool.threads)
        let (blocks, count) = tasks(batch: big.batch, rows: g.smallHeight, pool: pool)
        let paddedSize = bigChannels * gatherRows * s * L + 16
        gatherTaps.withUnsafeBufferPointer { taps in
            pool.run(tasks: count) { task, worker in
                let n = task / blocks, block = task % blocks
                let rowStart = g.smallHeight * block / blocks, rowEnd = g.smallHeight * (block + 1) / blocks
                let buffer = self.scratch[worker].reserve(paddedSize)
                self.padBig(big, sample: n, into: buffer)
                let out = small.plane(n, 0)
                for oy in rowStart..<rowEnd {
                    RowKernel.rows(
                        src: buffer + oy * s * s * L, taps: taps.baseAddress!, tapCount: T,
                        weights: w, weightStride: cs, bias: bias, firstOut: 0, outCount: cs,
                        dst: out + oy * g.smallWidth, dstStride: small.planeSize, width: g.smallWidth)
                }
            }
        }
    }

    // MARK: Scatter (Conv2DTranspose forward)

    private func padSmall(_ small: FeatureMap<Scalar>, sample n: Int, into buffer: UnsafeMutablePointer<Scalar>) {
        let g = geometry, L = scatterRowLength, F = scatterFront
        for c in 0..<smallChannels {
            let plane = small.plane(n, c)
            let base = buffer + c * scatterRows * L
            base.update(repeating: 0, count: F * L)
            for iy in 0..<g.smallHeight {
                let row = base + (iy + F) * L
                row.update(repeating: 0, count: F)
                (row + F).update(from: plane + iy * g.smallWidth, count: g.smallWidth)
                (row + F + g.smallWidth).update(repeating: 0, count: L - F - g.smallWidth)
            }
            (base + (F + g.smallHeight) * L).update(repeating: 0, count: (scatterRows - F - g.smallHeight) * L)
        }
    }

    /// `big = convᵀ(small) + bias`, overwriting `big` (which must already have its shape).
    func scatter(
        small: FeatureMap<Scalar>, weights: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>?,
        into big: FeatureMap<Scalar>, pool: ComputePool
    ) {
        let g = geometry, s = g.stride, L = scatterRowLength
        let cb = bigChannels
        let w = weightsScatter.reserve(scatterTaps.count * cb)
        for (t, index) in scatterKernelIndex.enumerated() {
            for c in 0..<cb { w[t * cb + c] = weights[index + c * smallChannels] }
        }
        scratch.prepare(workers: pool.threads)
        let phaseRows = (g.bigHeight + s - 1) / s
        let (blocks, count) = tasks(batch: small.batch, rows: phaseRows, pool: pool)
        let paddedSize = smallChannels * scatterRows * L
        let tempSize = s == 1 ? 0 : s * cb * roundedPhaseWidth
        let ranges = phaseRanges
        scatterTaps.withUnsafeBufferPointer { taps in
            pool.run(tasks: count) { task, worker in
                let n = task / blocks, block = task % blocks
                let rowStart = phaseRows * block / blocks, rowEnd = phaseRows * (block + 1) / blocks
                let buffer = self.scratch[worker].reserve(paddedSize + tempSize + 16)
                let temp = buffer + paddedSize
                self.padSmall(small, sample: n, into: buffer)
                let out = big.plane(n, 0)
                for a in rowStart..<rowEnd {
                    for ry in 0..<s {
                        let qy = a * s + ry
                        if qy >= g.bigHeight { break }
                        if s == 1 {
                            let r = ranges[0]
                            RowKernel.rows(
                                src: buffer + a * L, taps: taps.baseAddress! + r.lowerBound, tapCount: r.count,
                                weights: w + r.lowerBound * cb, weightStride: cb, bias: bias, firstOut: 0, outCount: cb,
                                dst: out + qy * g.bigWidth, dstStride: big.planeSize, width: g.bigWidth)
                            continue
                        }
                        for rx in 0..<s {
                            let r = ranges[ry * s + rx]
                            let phaseWidth = (g.bigWidth - rx + s - 1) / s
                            RowKernel.rows(
                                src: buffer + a * L, taps: taps.baseAddress! + r.lowerBound, tapCount: r.count,
                                weights: w + r.lowerBound * cb, weightStride: cb, bias: bias, firstOut: 0, outCount: cb,
                                dst: temp + rx * cb * self.roundedPhaseWidth, dstStride: self.roundedPhaseWidth,
                                width: phaseWidth)
                        }
                        for c in 0..<cb {
                            let row = out + c * big.planeSize + qy * g.bigWidth
                            for rx in 0..<s {
                                let source = temp + (rx * cb + c) * self.roundedPhaseWidth
                                var b = 0, x = rx
                                while x < g.bigWidth { row[x] = source[b]; b += 1; x += s }
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: Weight gradient

    /// Adds `Σ_samples Σ_o big[cb][o·s + k − pad] · small[cs][o]` to `gradient[k][cb][cs]`.
    func weightGradient(
        big: FeatureMap<Scalar>, small: FeatureMap<Scalar>,
        into gradient: UnsafeMutablePointer<Scalar>, pool: ComputePool
    ) {
        let g = geometry, s = g.stride, L = gatherRowLength
        let cs = smallChannels, T = gatherTaps.count, R8 = roundedSmallWidth
        scratch.prepare(workers: pool.threads)
        partial.prepare(workers: pool.threads)
        for worker in 0..<pool.threads { partial[worker].zero(T * cs) }
        let paddedSize = bigChannels * gatherRows * s * L + 16
        let smallSize = cs * g.smallHeight * R8
        let accSize = T * cs * 8
        gatherTaps.withUnsafeBufferPointer { taps in
            pool.run(tasks: big.batch) { n, worker in
                let buffer = self.scratch[worker].reserve(paddedSize + smallSize + accSize)
                let rows = buffer + paddedSize
                let acc = rows + smallSize
                self.padBig(big, sample: n, into: buffer)
                for c in 0..<cs {
                    for oy in 0..<g.smallHeight {
                        let row = rows + (c * g.smallHeight + oy) * R8
                        row.update(from: small.plane(n, c) + oy * g.smallWidth, count: g.smallWidth)
                        (row + g.smallWidth).update(repeating: 0, count: R8 - g.smallWidth)
                    }
                }
                acc.update(repeating: 0, count: accSize)
                for oy in 0..<g.smallHeight {
                    let src = buffer + oy * s * s * L
                    let d = rows + oy * R8
                    let dStride = g.smallHeight * R8
                    for t in 0..<T {
                        let p = src + taps[t]
                        let a = acc + t * cs * 8
                        var c = 0
                        while c + 2 <= cs {
                            Self.dot2(p, d + c * dStride, d + (c + 1) * dStride, R8, a + c * 8)
                            c += 2
                        }
                        if c < cs { Self.dot1(p, d + c * dStride, R8, a + c * 8) }
                    }
                }
                let out = self.partial[worker].base
                for i in 0..<(T * cs) {
                    out[i] += RowKernel<Scalar>.load(acc + i * 8).sum()
                }
            }
        }
        for worker in 0..<pool.threads {
            let p = partial[worker].base
            for t in 0..<T {
                let cb = t / (g.kernel * g.kernel), kk = t % (g.kernel * g.kernel)
                for c in 0..<cs { gradient[(kk * bigChannels + cb) * cs + c] += p[t * cs + c] }
            }
        }
    }

    @inline(__always)
    private static func dot1(_ p: UnsafePointer<Scalar>, _ d: UnsafePointer<Scalar>, _ width: Int, _ acc: UnsafeMutablePointer<Scalar>) {
        var a = RowKernel<Scalar>.load(acc)
        var x = 0
        while x < width { a += RowKernel.load(p + x) * RowKernel.load(d + x); x += 8 }
        RowKernel.store(a, acc, count: 8)
    }

    @inline(__always)
    private static func dot2(
        _ p: UnsafePointer<Scalar>, _ d0: UnsafePointer<Scalar>, _ d1: UnsafePointer<Scalar>, _ width: Int,
        _ acc: UnsafeMutablePointer<Scalar>
    ) {
        var a0 = RowKernel<Scalar>.load(acc), a1 = RowKernel<Scalar>.load(acc + 8)
        var x = 0
        while x < width {
            let v = RowKernel.load(p + x)
            a0 += v * RowKernel.load(d0 + x)
            a1 += v * RowKernel.load(d1 + x)
            x += 8
        }
        RowKernel.store(a0, acc, count: 8)
        RowKernel.store(a1, acc + 8, count: 8)
    }
}
