import CTandemKernels

/// The backward passes of ``DirectConv``: one task per sample pads each image once and
/// computes both the input gradient and that sample's share of the kernel gradient.
extension DirectConv {
    /// Conv2D's backward pass: `smallGradient` (∂loss/∂output) gives `bigGradient`
    /// (∂loss/∂input, overwritten) and adds the kernel gradient to `weightGradient`.
    func backwardOfGather(
        big: FeatureMap<Scalar>, smallGradient: FeatureMap<Scalar>, weights: UnsafePointer<Scalar>,
        bigGradient: FeatureMap<Scalar>, weightGradient: UnsafeMutablePointer<Scalar>, pool: ComputePool, kernels: KernelSet
    ) {
        let w = prepareScatterWeights(weights)
        prepareWorkers(pool, samples: big.batch)
        pool.run(tasks: big.batch) { n, worker in
            let buffer = self.buffer(worker)
            self.padSmall(smallGradient, sample: n, into: buffer + self.smallRegion)
            self.scatterSample(n, padded: buffer + self.smallRegion, temp: buffer + self.tempRegion, weights: w, bias: nil, into: bigGradient, kernels: kernels)
            self.padBig(big, sample: n, into: buffer + self.bigRegion, kernels: kernels)
            self.copyRows(smallGradient, sample: n, into: buffer + self.rowsRegion)
            self.accumulateWeightGradient(paddedBig: buffer + self.bigRegion, smallRows: buffer + self.rowsRegion, into: self.samplePartial(n), kernels: kernels)
        }
        reducePartials(samples: big.batch, into: weightGradient)
    }

    /// Conv2DTranspose's backward pass: `bigGradient` (∂loss/∂output) gives `smallGradient`
    /// (∂loss/∂input, overwritten) and adds the kernel gradient to `weightGradient`.
    func backwardOfScatter(
        small: FeatureMap<Scalar>, bigGradient: FeatureMap<Scalar>, weights: UnsafePointer<Scalar>,
        smallGradient: FeatureMap<Scalar>, weightGradient: UnsafeMutablePointer<Scalar>, pool: ComputePool, kernels: KernelSet
    ) {
        let w = prepareGatherWeights(weights)
        prepareWorkers(pool, samples: small.batch)
        pool.run(tasks: small.batch) { n, worker in
            let buffer = self.buffer(worker)
            self.padBig(bigGradient, sample: n, into: buffer + self.bigRegion, kernels: kernels)
            self.gatherSample(n, padded: buffer + self.bigRegion, weights: w, bias: nil, rows: 0..<self.geometry.smallHeight, into: smallGradient, kernels: kernels)
            self.copyRows(small, sample: n, into: buffer + self.rowsRegion)
            self.accumulateWeightGradient(paddedBig: buffer + self.bigRegion, smallRows: buffer + self.rowsRegion, into: self.samplePartial(n), kernels: kernels)
        }
        reducePartials(samples: small.batch, into: weightGradient)
    }

    /// Scratch per worker, and one zeroed kernel-gradient partial per sample.
    private func prepareWorkers(_ pool: ComputePool, samples: Int) {
        scratch.prepare(workers: pool.threads)
        partials.zero(samples * partialSize)
    }

    /// The size of one sample's kernel-gradient partial (tap order).
    private var partialSize: Int { gatherTaps.count * smallChannels }

    /// Sample `n`'s kernel-gradient partial.
    private func samplePartial(_ n: Int) -> UnsafeMutablePointer<Scalar> { partials.base + n * partialSize }

    /// Copies sample `n`'s planes into rows of `roundedSmallWidth` (zero past the width,
    /// from the scratch's allocation).
    private func copyRows(_ small: FeatureMap<Scalar>, sample n: Int, into rows: UnsafeMutablePointer<Scalar>) {
        let g = geometry, R8 = roundedSmallWidth, planes = small.planes
        for c in 0..<smallChannels {
            let plane = planes(n, c)
            for oy in 0..<g.smallHeight {
                (rows + (c * g.smallHeight + oy) * R8).update(from: plane + oy * g.smallWidth, count: g.smallWidth)
            }
        }
    }

    /// `partial[t·cs + c] += Σ_o padded[taps[t] + o] · rows[c][o]` for one sample. Taps go
    /// three at a time (a kernel row) against four output channels, so twelve sums stay in
    /// registers over the whole image and each load feeds several products.
    /// `Float` runs the C kernel of `kernels` (`tk_convolution_weight_gradient`, the same loops).
    private func accumulateWeightGradient(paddedBig: UnsafePointer<Scalar>, smallRows: UnsafePointer<Scalar>, into partial: UnsafeMutablePointer<Scalar>,
                                          kernels: KernelSet) {
        let g = geometry, s = g.stride, L = gatherRowLength, R8 = roundedSmallWidth
        let cs = smallChannels, H = g.smallHeight, rowStep = s * s * L, channelStride = H * R8
        if Scalar.self == Float.self {
            gatherTaps.withUnsafeBufferPointer { taps in
                tk_convolution_weight_gradient(kernels.code, floats(paddedBig), taps.baseAddress!, taps.count, rowStep,
                                               floats(smallRows), cs, H, R8, floats(partial))
            }
            return
        }
        gatherTaps.withUnsafeBufferPointer { taps in
            var t = 0
            while t + 3 <= taps.count {
                let p0 = paddedBig + taps[t], p1 = paddedBig + taps[t + 1], p2 = paddedBig + taps[t + 2]
                var c = 0
                while c + 4 <= cs {
                    var a = (Vector(), Vector(), Vector(), Vector(), Vector(), Vector(),
                             Vector(), Vector(), Vector(), Vector(), Vector(), Vector())
                    let d = smallRows + c * channelStride
                    for oy in 0..<H {
                        let o = oy &* rowStep, row = d + oy &* R8
                        var x = 0
                        while x < R8 {
                            let v0 = RowKernel.load(p0 + o + x), v1 = RowKernel.load(p1 + o + x), v2 = RowKernel.load(p2 + o + x)
                            let d0 = RowKernel.load(row + x), d1 = RowKernel.load(row + channelStride + x)
                            let d2 = RowKernel.load(row + 2 &* channelStride + x), d3 = RowKernel.load(row + 3 &* channelStride + x)
                            a.0 += v0 * d0; a.1 += v0 * d1; a.2 += v0 * d2; a.3 += v0 * d3
                            a.4 += v1 * d0; a.5 += v1 * d1; a.6 += v1 * d2; a.7 += v1 * d3
                            a.8 += v2 * d0; a.9 += v2 * d1; a.10 += v2 * d2; a.11 += v2 * d3
                            x &+= 8
                        }
                    }
                    let out = partial + t * cs + c
                    out[0] += a.0.sum(); out[1] += a.1.sum(); out[2] += a.2.sum(); out[3] += a.3.sum()
                    out[cs] += a.4.sum(); out[cs + 1] += a.5.sum(); out[cs + 2] += a.6.sum(); out[cs + 3] += a.7.sum()
                    out[2 * cs] += a.8.sum(); out[2 * cs + 1] += a.9.sum(); out[2 * cs + 2] += a.10.sum(); out[2 * cs + 3] += a.11.sum()
                    c += 4
                }
                while c < cs {
                    var a0 = Vector(), a1 = Vector(), a2 = Vector()
                    let d = smallRows + c * channelStride
                    for oy in 0..<H {
                        let o = oy &* rowStep, row = d + oy &* R8
                        var x = 0
                        while x < R8 {
                            let dy = RowKernel.load(row + x)
                            a0 += RowKernel.load(p0 + o + x) * dy
                            a1 += RowKernel.load(p1 + o + x) * dy
                            a2 += RowKernel.load(p2 + o + x) * dy
                            x &+= 8
                        }
                    }
                    let out = partial + t * cs + c
                    out[0] += a0.sum(); out[cs] += a1.sum(); out[2 * cs] += a2.sum()
                    c += 1
                }
                t += 3
            }
            while t < taps.count {
                let p = paddedBig + taps[t]
                for c in 0..<cs {
                    var a0 = Vector()
                    let d = smallRows + c * channelStride
                    for oy in 0..<H {
                        let src = p + oy &* rowStep, row = d + oy &* R8
                        var x = 0
                        while x < R8 { a0 += RowKernel.load(src + x) * RowKernel.load(row + x); x &+= 8 }
                    }
                    partial[t * cs + c] += a0.sum()
                }
                t += 1
            }
        }
    }

    /// Adds the samples' partial sums in sample order (so a run repeats exactly whatever the
    /// threads did) into sample 0's, then that total, rearranged from tap order to Keras
    /// order, into `gradient`.
    private func reducePartials(samples: Int, into gradient: UnsafeMutablePointer<Scalar>) {
        guard samples > 0 else { return }
        let k2 = geometry.kernel * geometry.kernel, cs = smallChannels
        let total = samplePartial(0)
        for n in 1..<samples {
            let p = samplePartial(n)
            for i in 0..<partialSize { total[i] += p[i] }
        }
        for t in 0..<gatherTaps.count {
            let cb = t / k2, kk = t % k2
            for c in 0..<cs { gradient[(kk * bigChannels + cb) * cs + c] += total[t * cs + c] }
        }
    }
}
