import Glibc

/// The Adam optimizer as Keras implements it: with `t = step + 1`,
/// `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
/// `θ ← θ − lr(step) · √(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε)`.
///
/// Defaults β₁ 0.9, β₂ 0.999, ε 1e-7 (Keras). Moments are kept per parameter in the
/// parameter's order; ``step`` counts updates and drives the learning-rate schedule.
public final class Adam<Scalar: NNScalar> {
    /// The learning rate by step.
    public var schedule: LearningRateSchedule
    /// β₁, β₂ and ε (Keras defaults 0.9, 0.999, 1e-7).
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    /// The number of updates applied so far.
    public internal(set) var step = 0
    /// First and second moments, one array per trainable parameter, created on first use.
    public internal(set) var firstMoments: [[Scalar]] = []
    public internal(set) var secondMoments: [[Scalar]] = []

    /// Creates an optimizer.
    public init(schedule: LearningRateSchedule = .constant(0.001), beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7) {
        self.schedule = schedule
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// The learning rate the next update will use.
    public var currentLearningRate: Double { schedule.rate(at: step) }

    /// Applies one update to the trainable `parameters` from their gradients.
    ///
    /// - Precondition: the same parameters, in the same order, at every call.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func update(_ parameters: [Parameter<Scalar>], kernels: KernelSet = .active) {
        let trainable = parameters.filter(\.isTrainable)
        if firstMoments.isEmpty {
            firstMoments = trainable.map { [Scalar](repeating: 0, count: $0.count) }
            secondMoments = firstMoments
        }
        precondition(firstMoments.count == trainable.count && zip(firstMoments, trainable).allSatisfy { $0.count == $1.count },
                     "Adam: parameters differ from those it was first used with")
        let t = Double(step + 1)
        let lr = Scalar(schedule.rate(at: step) * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t)))
        let b1 = Scalar(beta1), b2 = Scalar(beta2), eps = Scalar(epsilon)
        for (index, parameter) in trainable.enumerated() {
            let value = parameter.pointer, gradient = parameter.gradientPointer, count = parameter.count
            firstMoments[index].withUnsafeMutableBufferPointer { m in
                secondMoments[index].withUnsafeMutableBufferPointer { v in
                    VectorKernels.adam(value, gradient: gradient, m: m.baseAddress!, v: v.baseAddress!, count: count,
                                       rate: lr, b1: b1, b2: b2, epsilon: eps, kernels: kernels)
                }
            }
        }
        step += 1
    }

    /// Restores moments and step (from a checkpoint).
    func restore(step: Int, firstMoments: [[Scalar]], secondMoments: [[Scalar]]) {
        self.step = step
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
    }
}
