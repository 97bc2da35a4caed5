import CTandemKernels

/// Direct convolution kernels for one ``ConvGeometry`` and channel pair, with their
/// tap tables and scratch kept between calls.
///
/// Weights are in Keras layout for both layer kinds, `[k][k][bigChannels][smallChannels]`
/// (Conv2D: `[kh][kw][in][out]`; Conv2DTranspose: `[kh][kw][out][in]`).
///
/// - ``gather(big:weights:bias:into:pool:kernels:)``: `small = conv(big)` — Conv2D forward and
///   Conv2DTranspose's input gradient.
/// - ``scatter(small:weights:bias:into:pool:kernels:)``: `big = convᵀ(small)` — Conv2DTranspose
///   forward and Conv2D's input gradient. Stride 2 is split into its phases (output rows
///   and columns of each parity), each a dense gather, so no multiplication by inserted
///   zeros is done.
/// - ``backwardOfGather(big:smallGradient:weights:bigGradient:weightGradient:pool:kernels:)`` and
///   ``backwardOfScatter(small:bigGradient:weights:smallGradient:weightGradient:pool:kernels:)``:
///   the layers' backward passes, one task per sample that pads each image once and
///   computes the input gradient and `∂w[k][cb][cs] += Σ big[cb][o·s+k−pad] · small[cs][o]`.
///
/// Work is split by sample over the pool's threads: splitting one sample's rows costs more
/// in wake-ups and duplicated padding than it saves at these sizes (measured).
///
/// Images are padded into per-worker scratch first (zero borders; for stride 2 the columns
/// are split by parity), so the inner loops have no bounds checks.
final class DirectConv<Scalar: NNScalar>: @unchecked Sendable {
    typealias Vector = SIMD8<Scalar>
    let geometry: ConvGeometry
    let bigChannels: Int
    let smallChannels: Int

    // Gather layout: padded big image [cb][row][phase][L].
    let gatherRowLength: Int
    let gatherRows: Int
    let gatherTaps: [Int]
    let roundedSmallWidth: Int

    // Scatter layout: padded small image [cs][row][Lq] with front pad `scatterFront`.
    let scatterFront: Int
    let scatterRows: Int
    let scatterRowLength: Int
    let roundedPhaseWidth: Int
    /// For each phase (ry, rx): its range in `scatterTaps` and the kernel indices of its taps.
    let phaseRanges: [Range<Int>]
    let scatterTaps: [Int]
    let scatterKernelIndex: [Int]

    /// For each column phase of the gather layout, the entries that hold image columns
    /// (entry j is column j·stride + phase − padLeft).
    let phaseColumns: [Range<Int>]

    /// Offsets of the per-worker scratch regions. Each region always holds the same layout,
    /// so its zero borders, written once when the scratch is allocated (zeroed), stay zero
    /// and the padding routines copy only image values.
    let bigRegion = 0, smallRegion: Int, tempRegion: Int, rowsRegion: Int, scratchSize: Int

    let weightsGather = Workspace<Scalar>()
    let weightsScatter = Workspace<Scalar>()
    let scratch = WorkerWorkspaces<Scalar>()
    /// Per-sample kernel-gradient partials of the backward passes.
    let partials = Workspace<Scalar>()

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
        phaseColumns = (0..<s).map { phase in
            let first = max(0, (g.padLeft - phase + s - 1) / s)
            return first..<max(first, (g.bigWidth - 1 + g.padLeft - phase) / s + 1)
        }
        smallRegion = bigChannels * gatherRows * s * gatherRowLength + 16
        tempRegion = smallRegion + smallChannels * scatterRows * scatterRowLength + 16
        rowsRegion = tempRegion + s * bigChannels * roundedPhaseWidth + 16
        scratchSize = rowsRegion + smallChannels * g.smallHeight * roundedSmallWidth + 16
    }

    /// Worker `worker`'s scratch (see the regions above).
    @inline(__always)
    func buffer(_ worker: Int) -> UnsafeMutablePointer<Scalar> { scratch[worker].reserve(scratchSize) }

    /// The number of weights: `k · k · bigChannels · smallChannels`.
    var weightCount: Int { geometry.kernel * geometry.kernel * bigChannels * smallChannels }

    // MARK: Gather (Conv2D forward)

    /// Copies sample `n` of `big` into the interior of `buffer` in the gather layout
    /// (borders and slack are zero already and stay so).
    func padBig(_ big: FeatureMap<Scalar>, sample n: Int, into buffer: UnsafeMutablePointer<Scalar>, kernels: KernelSet) {
        let g = geometry, s = g.stride, L = gatherRowLength, planes = big.planes
        for cb in 0..<bigChannels {
            let plane = planes(n, cb)
            for iy in 0..<g.bigHeight {
                let row = buffer + (cb * gatherRows + iy + g.padTop) * s * L
                let source = plane + iy * g.bigWidth
                if s == 1 {
                    (row + g.padLeft).update(from: source, count: g.bigWidth)
                    continue
                }
                for phase in 0..<s {
                    let first = phaseColumns[phase].lowerBound, end = phaseColumns[phase].upperBound
                    let out = row + phase * L, start = source + phase - g.padLeft
                    if s == 2 && Scalar.self == Float.self {
                        if end > first { tk_deinterleave(kernels.code, floats(start + 2 &* first), floats(out + first), end - first) }
                    } else if s == 2 {
                        // Eight entries at a time: the even lanes of sixteen columns.
                        let offset = phase - g.padLeft
                        var j = first
                        while j + 8 <= end && 2 &* j &+ offset &+ 16 <= g.bigWidth {
                            let v = UnsafeRawPointer(start + 2 &* j).loadUnaligned(as: SIMD16<Scalar>.self)
                            UnsafeMutableRawPointer(out + j).storeBytes(of: v.evenHalf, as: SIMD8<Scalar>.self)
                            j &+= 8
                        }
                        while j < end { out[j] = start[2 &* j]; j &+= 1 }
                    } else {
                        var j = first
                        while j < end { out[j] = start[j * s]; j += 1 }
                    }
                }
            }
        }
    }

    /// The weights in gather-tap order, `[tap][smallChannel]`.
    func prepareGatherWeights(_ weights: UnsafePointer<Scalar>) -> UnsafeMutablePointer<Scalar> {
        let k2 = geometry.kernel * geometry.kernel, cs = smallChannels
        let w = weightsGather.reserve(weightCount)
        for t in 0..<gatherTaps.count {
            let cb = t / k2, kk = t % k2
            for c in 0..<cs { w[t * cs + c] = weights[(kk * bigChannels + cb) * cs + c] }
        }
        return w
    }

    /// Output rows `rows` of sample `n` from its padded big image.
    func gatherSample(
        _ n: Int, padded: UnsafePointer<Scalar>, weights: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>?,
        rows: Range<Int>, into small: FeatureMap<Scalar>, kernels: KernelSet
    ) {
        let g = geometry, step = g.stride * g.stride * gatherRowLength, cs = smallChannels
        let out = small.plane(n, 0), planeSize = small.planeSize
        gatherTaps.withUnsafeBufferPointer { taps in
            for oy in rows {
                RowKernel.rows(
                    src: padded + oy * step, taps: taps.baseAddress!, tapCount: taps.count,
                    weights: weights, weightStride: cs, bias: bias, firstOut: 0, outCount: cs,
                    dst: out + oy * g.smallWidth, dstStride: planeSize, width: g.smallWidth, kernels: kernels)
            }
        }
    }

    /// `small = conv(big) + bias`, overwriting `small` (which must already have its shape).
    func gather(
        big: FeatureMap<Scalar>, weights: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>?,
        into small: FeatureMap<Scalar>, pool: ComputePool, kernels: KernelSet
    ) {
        let w = prepareGatherWeights(weights)
        scratch.prepare(workers: pool.threads)
        pool.run(tasks: big.batch) { n, worker in
            let buffer = self.buffer(worker) + self.bigRegion
            self.padBig(big, sample: n, into: buffer, kernels: kernels)
            self.gatherSample(n, padded: buffer, weights: w, bias: bias, rows: 0..<self.geometry.smallHeight, into: small, kernels: kernels)
        }
    }

    // MARK: Scatter (Conv2DTranspose forward)

    /// Copies sample `n` of `small` into the interior of `buffer` in the scatter layout.
    func padSmall(_ small: FeatureMap<Scalar>, sample n: Int, into buffer: UnsafeMutablePointer<Scalar>) {
        let g = geometry, L = scatterRowLength, F = scatterFront, planes = small.planes
        for c in 0..<smallChannels {
            let plane = planes(n, c)
            let base = buffer + c * scatterRows * L + F * L + F
            for iy in 0..<g.smallHeight {
                (base + iy * L).update(from: plane + iy * g.smallWidth, count: g.smallWidth)
            }
        }
    }

    /// The weights in scatter-tap order, `[tap][bigChannel]`, phase after phase.
    func prepareScatterWeights(_ weights: UnsafePointer<Scalar>) -> UnsafeMutablePointer<Scalar> {
        let cb = bigChannels
        let w = weightsScatter.reserve(scatterTaps.count * cb)
        for (t, index) in scatterKernelIndex.enumerated() {
            for c in 0..<cb { w[t * cb + c] = weights[index + c * smallChannels] }
        }
        return w
    }

    /// All output rows of sample `n` from its padded small image; `temp` holds
    /// `stride · bigChannels · roundedPhaseWidth` values for the phases of one row.
    func scatterSample(
        _ n: Int, padded: UnsafePointer<Scalar>, temp: UnsafeMutablePointer<Scalar>,
        weights w: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>?, into big: FeatureMap<Scalar>, kernels: KernelSet
    ) {
        let g = geometry, s = g.stride, L = scatterRowLength, cb = bigChannels, R = roundedPhaseWidth
        let out = big.plane(n, 0), planeSize = big.planeSize
        scatterTaps.withUnsafeBufferPointer { taps in
            for a in 0..<((g.bigHeight + s - 1) / s) {
                for ry in 0..<s {
                    let qy = a * s + ry
                    if qy >= g.bigHeight { break }
                    if s == 1 {
                        let r = phaseRanges[0]
                        RowKernel.rows(
                            src: padded + a * L, taps: taps.baseAddress! + r.lowerBound, tapCount: r.count,
                            weights: w + r.lowerBound * cb, weightStride: cb, bias: bias, firstOut: 0, outCount: cb,
                            dst: out + qy * g.bigWidth, dstStride: planeSize, width: g.bigWidth, kernels: kernels)
                        continue
                    }
                    for rx in 0..<s {
                        let r = phaseRanges[ry * s + rx]
                        RowKernel.rows(
                            src: padded + a * L, taps: taps.baseAddress! + r.lowerBound, tapCount: r.count,
                            weights: w + r.lowerBound * cb, weightStride: cb, bias: bias, firstOut: 0, outCount: cb,
                            dst: temp + rx * cb * R, dstStride: R, width: (g.bigWidth - rx + s - 1) / s, kernels: kernels)
                    }
                    for c in 0..<cb {
                        let row = out + c * planeSize + qy * g.bigWidth
                        var x = 0
                        if s == 2 && Scalar.self == Float.self {
                            let pairs = g.bigWidth / 2
                            tk_interleave(kernels.code, floats(temp + c * R), floats(temp + (cb + c) * R), floats(row), pairs)
                            x = 2 &* pairs
                        } else if s == 2 {
                            // Sixteen columns at a time: phase 0 to even columns, phase 1 to odd.
                            let even = temp + c * R, odd = temp + (cb + c) * R
                            while x &+ 16 <= g.bigWidth {
                                let v = Self.interleave(RowKernel.load(even + x / 2), RowKernel.load(odd + x / 2))
                                UnsafeMutableRawPointer(row + x).storeBytes(of: v, as: SIMD16<Scalar>.self)
                                x &+= 16
                            }
                        }
                        while x < g.bigWidth {
                            row[x] = temp[((x % s) * cb + c) * R + x / s]
                            x &+= 1
                        }
                    }
                }
            }
        }
    }

    /// `(a₀, b₀, a₁, b₁, …)`.
    @inline(__always)
    static func interleave(_ a: Vector, _ b: Vector) -> SIMD16<Scalar> {
        SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
    }

    /// `big = convᵀ(small) + bias`, overwriting `big` (which must already have its shape).
    func scatter(
        small: FeatureMap<Scalar>, weights: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>?,
        into big: FeatureMap<Scalar>, pool: ComputePool, kernels: KernelSet
    ) {
        let w = prepareScatterWeights(weights)
        scratch.prepare(workers: pool.threads)
        pool.run(tasks: small.batch) { n, worker in
            let buffer = self.buffer(worker)
            self.padSmall(small, sample: n, into: buffer + self.smallRegion)
            self.scatterSample(n, padded: buffer + self.smallRegion, temp: buffer + self.tempRegion, weights: w, bias: bias, into: big, kernels: kernels)
        }
    }
}
