import Glibc

/// The learning rate as a function of the optimizer step (0 for the first update).
public enum LearningRateSchedule: Equatable, Sendable {
    /// The same rate at every step.
    case constant(Double)
    /// `initial · rate^(step / decaySteps)`, with the exponent floored when `staircase`
    /// (Keras' `ExponentialDecay`).
    case exponentialDecay(initial: Double, decaySteps: Int, rate: Double, staircase: Bool)

    /// The tutorial's schedule for DiffusionResNet: `initial · 0.9^⌊step / 80⌋`.
    public static func tutorial(initial: Double = 0.01) -> LearningRateSchedule {
        .exponentialDecay(initial: initial, decaySteps: 80, rate: 0.9, staircase: true)
    }

    /// The rate at `step`.
    public func rate(at step: Int) -> Double {
        switch self {
        case .constant(let value):
            return value
        case .exponentialDecay(let initial, let decaySteps, let rate, let staircase):
            let exponent = staircase ? Double(step / decaySteps) : Double(step) / Double(decaySteps)
            return initial * pow(rate, exponent)
        }
    }
}
