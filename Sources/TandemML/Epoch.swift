import TandemTensor

extension DataDownloader {
    /// One epoch's mini-batches, in the epoch's order, gathered from the downloaded samples
    /// only when asked for: as ``Batch`` tensors by subscript, or straight into a caller's
    /// buffer with ``copy(_:samples:targets:)``, which allocates nothing.
    ///
    /// An epoch holds the samples downloaded when it was made; later downloads do not change it.
    public struct Epoch: RandomAccessCollection, Sendable {
        let samples: SampleBuffer
        /// `nil` when the data has no targets; the samples when they are their own targets.
        let targets: SampleBuffer?
        let order: [Int]
        /// Samples per mini-batch.
        public let batchSize: Int

        public var startIndex: Int { 0 }
        public var endIndex: Int { order.count / batchSize }

        /// Mini-batch `index`, gathered into new tensors.
        public subscript(index: Int) -> Batch {
            let indices = self.indices(of: index)
            return Batch(samples: samples.gather(indices), targets: targets?.gather(indices))
        }

        /// The element type and shape of one sample (`nil` and `[]` before any download).
        public var sampleType: (dtype: DType?, shape: [Int]) { (samples.dtype, samples.sampleShape) }
        /// The element type and shape of one target (`nil` when the data has none).
        public var targetType: (dtype: DType?, shape: [Int])? { targets.map { ($0.dtype, $0.sampleShape) } }

        /// Bytes of one mini-batch's samples.
        public var sampleBytesPerBatch: Int { batchSize * samples.bytesPerSample }
        /// Bytes of one mini-batch's targets (0 when the data has none).
        public var targetBytesPerBatch: Int { batchSize * (targets?.bytesPerSample ?? 0) }

        /// Copies mini-batch `index` into `samples` (and its targets, when the data has them,
        /// into `targets`), each laid out as the batch tensors are (row-major, first axis the
        /// sample).
        ///
        /// - Precondition: `samples` holds ``sampleBytesPerBatch`` bytes, `targets`
        ///   ``targetBytesPerBatch``.
        public func copy(_ index: Int, samples: UnsafeMutableRawBufferPointer, targets: UnsafeMutableRawBufferPointer?) {
            let indices = self.indices(of: index)
            self.samples.gather(indices, into: samples)
            if let targets, let buffer = self.targets { buffer.gather(indices, into: targets) }
        }

        private func indices(of batch: Int) -> ArraySlice<Int> {
            precondition(indices.contains(batch), "mini-batch \(batch) of \(count)")
            return order[(batch * batchSize)..<((batch + 1) * batchSize)]
        }
    }
}
