import TandemTensor

/// Samples and targets held in memory as NHWC values, served in (shuffled) batches.
public struct TrainingSet<Scalar: NNScalar>: Sendable {
    /// The sample values, `[count, height, width, channels]` NHWC.
    public let samples: [Scalar]
    /// The target values, same shape as the samples.
    public let targets: [Scalar]
    /// The number of sample/target pairs.
    public let count: Int
    /// The grid and channel count of every sample.
    public let height: Int, width: Int, channels: Int

    /// Creates a set from NHWC arrays of shape `shape` (`[count, height, width, channels]`).
    ///
    /// - Precondition: both arrays hold the product of `shape` values.
    public init(samples: [Scalar], targets: [Scalar], shape: [Int]) {
        precondition(shape.count == 4 && shape.allSatisfy { $0 > 0 }, "shape must be [N, H, W, C] with positive sizes")
        precondition(samples.count == shape.reduce(1, *) && targets.count == samples.count, "samples and targets must match shape \(shape)")
        self.samples = samples
        self.targets = targets
        count = shape[0]
        height = shape[1]
        width = shape[2]
        channels = shape[3]
    }

    /// The values of one sample.
    public var sampleSize: Int { height * width * channels }

    /// Copies the pairs at `indices` into `inputs` and `outputs` (reshaped to fit; their
    /// storage is reused, nothing is allocated once they are large enough).
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func fill(_ indices: [Int], inputs: FeatureMap<Scalar>, outputs: FeatureMap<Scalar>) {
        for map in [inputs, outputs] { map.resize(batch: indices.count, channels: channels, height: height, width: width) }
        let size = sampleSize, hw = height * width, C = channels
        for (source, map) in [(samples, inputs), (targets, outputs)] {
            source.withUnsafeBufferPointer { values in
                for (slot, index) in indices.enumerated() {
                    precondition(index >= 0 && index < count, "sample index \(index) out of range")
                    let sample = values.baseAddress! + index * size
                    if C == 1 {
                        map.plane(slot, 0).update(from: sample, count: size)
                        continue
                    }
                    for c in 0..<C {
                        let plane = map.plane(slot, c)
                        for i in 0..<hw { plane[i] = sample[i * C + c] }
                    }
                }
            }
        }
    }
}
