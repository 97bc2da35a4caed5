/// Batch normalisation over the channel axis, as Keras' `BatchNormalization` on NHWC input.
///
/// Training mode normalises with the batch's mean and (biased) variance per channel,
/// `y = γ·(x − μ)/√(σ² + ε) + β`, and updates the moving statistics
/// `m ← momentum·m + (1 − momentum)·μ`, `v ← momentum·v + (1 − momentum)·σ²·M/(M−1)`
/// (M values per channel; the unbiased variance, as TensorFlow's fused kernel and PyTorch
/// keep it). Inference mode uses the moving statistics. Defaults: momentum 0.99, ε 1e-3,
/// γ = 1, β = 0, moving mean 0, moving variance 1.
public final class BatchNormalization<Scalar: NNScalar>: Layer {
    /// The scale γ, `[channels]`.
    public let gamma: Parameter<Scalar>
    /// The offset β, `[channels]`.
    public let beta: Parameter<Scalar>
    /// The moving mean (not trainable), `[channels]`.
    public let movingMean: Parameter<Scalar>
    /// The moving variance (not trainable), `[channels]`.
    public let movingVariance: Parameter<Scalar>
    /// The weight of the old moving statistics in each update.
    public let momentum: Scalar
    /// Added to the variance before the square root.
    public let epsilon: Scalar
    /// The number of channels normalised.
    public let channels: Int
    public var parameters: [Parameter<Scalar>] { [gamma, beta, movingMean, movingVariance] }

    private let output = FeatureMap<Scalar>()
    private let inputGradient = FeatureMap<Scalar>()
    private var lastTraining = false
    /// Per channel: mean, 1/√(σ²+ε) of the last pass; then Σdy and Σdy·x̂ in backward.
    private let stats = Workspace<Scalar>()
    /// Per sample and channel: the plane sums of the current reduction.
    private let planeSums = Workspace<Scalar>()

    /// Creates a layer with γ = 1, β = 0, moving mean 0 and moving variance 1;
    /// parameter names start with `name`.
    public init(name: String, channels: Int, momentum: Scalar = 0.99, epsilon: Scalar = 1e-3) {
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        gamma = Parameter(name: name + ".gamma", shape: [channels], trainable: true, initial: 1)
        beta = Parameter(name: name + ".beta", shape: [channels], trainable: true, initial: 0)
        movingMean = Parameter(name: name + ".moving_mean", shape: [channels], trainable: false, initial: 0)
        movingVariance = Parameter(name: name + ".moving_variance", shape: [channels], trainable: false, initial: 1)
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    /// A layer with `other`'s parameters (the same objects) and its own buffers.
    public init(sharing other: BatchNormalization) {
        channels = other.channels
        momentum = other.momentum
        epsilon = other.epsilon
        gamma = other.gamma
        beta = other.beta
        movingMean = other.movingMean
        movingVariance = other.movingVariance
    }

    public func forward(_ input: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        precondition(input.channels == channels, "BatchNormalization expects \(channels) channels, got \(input.channels)")
        output.resize(like: input)
        lastTraining = context.training
        let C = channels, kernels = context.kernels
        let stat = stats.reserve(4 * C)
        let mean = stat, invStd = stat + C
        let x = input.planes, y = output.planes, hw = input.planeSize
        if context.training {
            // Two passes (mean, then squared deviations) for accuracy in Float.
            let count = Scalar(input.batch * hw)
            reduce(input, context: context, into: mean) { n, c in VectorKernels.sum(x(n, c), count: hw, kernels: kernels) }
            for c in 0..<C { mean[c] /= count }
            reduce(input, context: context, into: invStd) { n, c in
                VectorKernels.squaredDeviation(x(n, c), mean: mean[c], count: hw, kernels: kernels)
            }
            for c in 0..<C {
                let variance = invStd[c] / count
                invStd[c] = 1 / (variance + epsilon).squareRoot()
                let unbiased = count > 1 ? variance * count / (count - 1) : variance
                movingMean.pointer[c] = momentum * movingMean.pointer[c] + (1 - momentum) * mean[c]
                movingVariance.pointer[c] = momentum * movingVariance.pointer[c] + (1 - momentum) * unbiased
            }
        } else {
            for c in 0..<C {
                mean[c] = movingMean.pointer[c]
                invStd[c] = 1 / (movingVariance.pointer[c] + epsilon).squareRoot()
            }
        }
        let g = gamma.pointer, b = beta.pointer
        context.pool.run(tasks: input.batch) { n, _ in
            for c in 0..<C {
                let scale = g[c] * invStd[c]
                let shift = b[c] - mean[c] * scale
                VectorKernels.affine(x(n, c), scale: scale, shift: shift, into: y(n, c), count: hw, kernels: kernels)
            }
        }
        return output
    }

    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: FeatureMap<Scalar>, context: PassContext) -> FeatureMap<Scalar> {
        precondition(outputGradient.hasSameShape(as: output), "BatchNormalization.backward: gradient shape differs from output")
        inputGradient.resize(like: output)
        let C = channels, kernels = context.kernels
        let stat = stats.base
        let invStd = stat + C, sumDy = stat + 2 * C, sumDyXhat = stat + 3 * C
        let g = gamma.pointer, b = beta.pointer
        let dy = outputGradient.planes, y = output.planes, dx = inputGradient.planes
        let hw = outputGradient.planeSize, batch = outputGradient.batch
        if !lastTraining {
            context.pool.run(tasks: batch) { n, _ in
                for c in 0..<C {
                    VectorKernels.affine(dy(n, c), scale: g[c] * invStd[c], shift: 0, into: dx(n, c), count: hw, kernels: kernels)
                }
            }
            for c in 0..<C {
                var sdy: Scalar = 0, sdyx: Scalar = 0
                for n in 0..<batch {
                    sdy += VectorKernels.sum(dy(n, c), count: hw, kernels: kernels)
                    // x̂ = (y − β)/γ; with γ = 0 the scale gradient is taken as 0.
                    sdyx += g[c] == 0 ? 0 : VectorKernels.dotShifted(dy(n, c), y(n, c), shift: b[c], count: hw, kernels: kernels) / g[c]
                }
                beta.gradientPointer[c] += sdy
                gamma.gradientPointer[c] += sdyx
            }
            return inputGradient
        }
        // x̂ is recovered from the output, x̂ = (y − β)/γ, to save a buffer and a pass.
        reduce(outputGradient, context: context, into: sumDy) { n, c in VectorKernels.sum(dy(n, c), count: hw, kernels: kernels) }
        reduce(outputGradient, context: context, into: sumDyXhat) { n, c in
            VectorKernels.dotShifted(dy(n, c), y(n, c), shift: b[c], count: hw, kernels: kernels)
        }
        for c in 0..<C {
            sumDyXhat[c] = g[c] == 0 ? 0 : sumDyXhat[c] / g[c]
            beta.gradientPointer[c] += sumDy[c]
            gamma.gradientPointer[c] += sumDyXhat[c]
        }
        let count = Scalar(batch * hw)
        context.pool.run(tasks: batch) { n, _ in
            for c in 0..<C {
                // dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)), with x̂ = (y − β)/γ.
                let k = g[c] * invStd[c]
                let meanDy = sumDy[c] / count
                let slope = g[c] == 0 ? 0 : sumDyXhat[c] / count / g[c]
                VectorKernels.batchNormGradient(dy(n, c), y(n, c), into: dx(n, c), count: hw,
                                                k: k, meanDy: meanDy, beta: b[c], slope: slope, kernels: kernels)
            }
        }
        return inputGradient
    }

    /// `totals[c] = Σ_n value(n, c)`: the planes are computed in parallel and summed in sample
    /// order, so the totals do not depend on how tasks met threads (runs repeat exactly).
    private func reduce(_ map: FeatureMap<Scalar>, context: PassContext, into totals: UnsafeMutablePointer<Scalar>,
                        _ value: (Int, Int) -> Scalar) {
        let C = channels, batch = map.batch
        let sums = planeSums.reserve(batch * C)
        context.pool.run(tasks: batch) { n, _ in
            for c in 0..<C { sums[n * C + c] = value(n, c) }
        }
        for c in 0..<C {
            var total: Scalar = 0
            for n in 0..<batch { total += sums[n * C + c] }
            totals[c] = total
        }
    }
}
