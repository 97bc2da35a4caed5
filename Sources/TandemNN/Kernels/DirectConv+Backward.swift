/// The backward passes of ``DirectConv``: one task per sample pads each image once and
/// computes both the input gradient and that sample's share of the kernel gradient.
extension DirectConv {
    /// Conv2D's backward pass: `smallGradient` (∂loss/∂output) gives `bigGradient`
    /// (∂loss/∂input, overwritten) and adds the kernel gradient to `weightGradient`.
    func backwardOfGather(
        big: FeatureMap<Scalar>, smallGradient: FeatureMap<Scalar>, weights: UnsafePointer<Scalar>,
        bigGradient: FeatureMap<Scalar>, weightGradient: UnsafeMutablePointer<Scalar>, pool: ComputePool
    ) {
        let w = prepareScatterWeights(weights)
        prepareWorkers(pool)
        pool.run(tasks: big.batch) { n, worker in
            let buffer = self.buffer(worker)
            self.padSmall(smallGradient, sample: n, into: buffer + self.smallRegion)
            self.scatterSample(n, padded: buffer + self.smallRegion, temp: buffer + self.tempRegion, weights: w, bias: nil, into: bigGradient)
            self.padBig(big, sample: n, into: buffer + self.bigRegion)
            self.copyRows(smallGradient, sample: n, into: buffer + self.rowsRegion)
            self.accumulateWeightGradient(paddedBig: buffer + self.bigRegion, smallRows: buffer + self.rowsRegion, into: self.partial[worker].base)
        }
        reducePartials(pool, into: weightGradient)
    }

    /// Conv2DTranspose's backward pass: `bigGradient` (∂loss/∂output) gives `smallGradient`
    /// (∂loss/∂input, overwritten) and adds the kernel gradient to `weightGradient`.
    func backwardOfScatter(
        small: FeatureMap<Scalar>, bigGradient: FeatureMap<Scalar>, weights: UnsafePointer<Scalar>,
        smallGradient: FeatureMap<Scalar>, weightGradient: UnsafeMutablePointer<Scalar>, pool: ComputePool
    ) {
        let w = prepareGatherWeights(weights)
        prepareWorkers(pool)
        pool.run(tasks: small.batch) { n, worker in
            let buffer = self.buffer(worker)
            self.padBig(bigGradient, sample: n, into: buffer + self.bigRegion)
            self.gatherSample(n, padded: buffer + self.bigRegion, weights: w, bias: nil, rows: 0..<self.geometry.smallHeight, into: smallGradient)
            self.copyRows(small, sample: n, into: buffer + self.rowsRegion)
            self.accumulateWeightGradient(paddedBig: buffer + self.bigRegion, smallRows: buffer + self.rowsRegion, into: self.partial[worker].base)
        }
        reducePartials(pool, into: weightGradient)
    }

    private func prepareWorkers(_ pool: ComputePool) {
        scratch.prepare(workers: pool.threads)
        partial.prepare(workers: pool.threads)
        for worker in 0..<pool.threads { partial[worker].zero(gatherTaps.count * smallChannels) }
    }

    /// Copies sample `n`'s planes into rows of `roundedSmallWidth` (zero past the width,
    /// from the scratch's allocation).
    private func copyRows(_ small: FeatureMap<Scalar>, sample n: Int, into rows: UnsafeMutablePointer<Scalar>) {
        let g = geometry, R8 = roundedSmallWidth
        for c in 0..<smallChannels {
            let plane = small.plane(n, c)
            for oy in 0..<g.smallHeight {
                (rows + (c * g.smallHeight + oy) * R8).update(from: plane + oy * g.smallWidth, count: g.smallWidth)
            }
        }
    }

    /// `partial[t·cs + c] += Σ_o padded[taps[t] + o] · rows[c][o]` for one sample, tap by
    /// tap with the sums for four channels held in registers over the whole image.
    private func accumulateWeightGradient(paddedBig: UnsafePointer<Scalar>, smallRows: UnsafePointer<Scalar>, into partial: UnsafeMutablePointer<Scalar>) {
        let g = geometry, s = g.stride, L = gatherRowLength, R8 = roundedSmallWidth
        let cs = smallChannels, H = g.smallHeight, rowStep = s * s * L, channelStride = H * R8
        gatherTaps.withUnsafeBufferPointer { taps in
            for t in 0..<taps.count {
                let p = paddedBig + taps[t]
                let out = partial + t * cs
                var c = 0
                while c + 4 <= cs {
                    let d = smallRows + c * channelStride
                    var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
                    for oy in 0..<H {
                        let src = p + oy * rowStep, row = d + oy * R8
                        var x = 0
                        while x < R8 {
                            let v = RowKernel.load(src + x)
                            a0 += v * RowKernel.load(row + x)
                            a1 += v * RowKernel.load(row + channelStride + x)
                            a2 += v * RowKernel.load(row + 2 * channelStride + x)
                            a3 += v * RowKernel.load(row + 3 * channelStride + x)
                            x += 8
                        }
                    }
                    out[c] += a0.sum(); out[c + 1] += a1.sum(); out[c + 2] += a2.sum(); out[c + 3] += a3.sum()
                    c += 4
                }
                while c < cs {
                    let d = smallRows + c * channelStride
                    var a0 = Vector()
                    for oy in 0..<H {
                        let src = p + oy * rowStep, row = d + oy * R8
                        var x = 0
                        while x < R8 { a0 += RowKernel.load(src + x) * RowKernel.load(row + x); x += 8 }
                    }
                    out[c] += a0.sum()
                    c += 1
                }
            }
        }
    }

    /// Adds the workers' partial sums, rearranged from tap order to Keras order.
    private func reducePartials(_ pool: ComputePool, into gradient: UnsafeMutablePointer<Scalar>) {
        let k2 = geometry.kernel * geometry.kernel, cs = smallChannels
        for worker in 0..<pool.threads {
            let p = partial[worker].base
            for t in 0..<gatherTaps.count {
                let cb = t / k2, kk = t % k2
                for c in 0..<cs { gradient[(kk * bigChannels + cb) * cs + c] += p[t * cs + c] }
            }
        }
    }
}
