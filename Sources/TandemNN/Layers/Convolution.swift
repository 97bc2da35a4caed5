import TandemTensor

/// What ``ResBlock`` needs of its convolutions: ``Conv2D`` and ``Conv2DTranspose`` both
/// conform, so one block type serves the encoder and the decoder.
public protocol Convolution: Layer {
    /// Creates a convolution with Glorot-uniform kernel and zero bias.
    init(name: String, inputChannels: Int, filters: Int, kernel: Int, stride: Int, generator: inout SeededGenerator)
    /// Creates a layer that uses `other`'s parameters (the same objects) with its own
    /// buffers, so two threads can run the two layers at once (inference).
    init(sharing other: Self)
    /// The number of output channels.
    var filters: Int { get }
    /// The output grid for an input grid (`nil` for the layer's default).
    func forward(_ input: FeatureMap<Scalar>, outputSize: (height: Int, width: Int)?, context: PassContext) -> FeatureMap<Scalar>
}

/// Channel sums of a map: `sums[c] += Σ_{n,y,x} map[n, c, y, x]` (bias gradients).
func addChannelSums<Scalar: NNScalar>(_ map: FeatureMap<Scalar>, into sums: UnsafeMutablePointer<Scalar>, kernels: KernelSet) {
    let planeSize = map.planeSize
    for n in 0..<map.batch {
        for c in 0..<map.channels {
            sums[c] += VectorKernels.sum(map.plane(n, c), count: planeSize, kernels: kernels)
        }
    }
}
