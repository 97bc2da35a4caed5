import TandemNN
import TandemTensor
import Testing

/// Finite-difference gradient checks in double precision.
///
/// The scalar checked is `L = Σ probe ⊙ f(x)` for a fixed random `probe`, so the analytic
/// input gradient is `backward(probe)` and parameter gradients are what backward adds.
/// Central differences with step `h` have error O(h²); with h = 1e-5 in Double agreement
/// to ~1e-7 relative is expected, and a wrong index or sign shows as O(1).
enum GradientCheck {
    static let step = 1e-5

    /// A map with values uniform in `-1...1`.
    static func randomMap(batch: Int, channels: Int, height: Int, width: Int, generator: inout SeededGenerator) -> FeatureMap<Double> {
        let map = FeatureMap<Double>(batch: batch, channels: channels, height: height, width: width)
        for i in 0..<map.count { map.pointer[i] = Double.random(in: -1...1, using: &generator) }
        return map
    }

    static func weightedSum(_ map: FeatureMap<Double>, _ probe: [Double]) -> Double {
        var total = 0.0
        for i in 0..<map.count { total += map.pointer[i] * probe[i] }
        return total
    }

    /// The largest relative error, `|a − n| / max(1, |a|, |n|)`, between analytic and
    /// numeric gradients of `forward` at `input` (all input values, up to `maxChecks`
    /// values of each parameter, trainable ones only).
    ///
    /// `forward` must be deterministic (reset dropout generators inside it).
    static func worstError(
        input: FeatureMap<Double>,
        parameters: [Parameter<Double>],
        maxChecks: Int = 60,
        forward: (FeatureMap<Double>) -> FeatureMap<Double>,
        backward: (FeatureMap<Double>) -> FeatureMap<Double>,
        seed: UInt64 = 7
    ) -> Double {
        var generator = SeededGenerator(seed: seed)
        let out = forward(input)
        let probe = (0..<out.count).map { _ in Double.random(in: -1...1, using: &generator) }
        let gradientMap = FeatureMap<Double>(batch: out.batch, channels: out.channels, height: out.height, width: out.width)
        for i in 0..<probe.count { gradientMap.pointer[i] = probe[i] }
        for p in parameters { p.zeroGradient() }
        let inputGradient = backward(gradientMap)
        let analyticInput = (0..<input.count).map { inputGradient.pointer[$0] }
        var worst = 0.0
        func numeric(_ value: UnsafeMutablePointer<Double>) -> Double {
            let saved = value.pointee
            value.pointee = saved + step
            let plus = weightedSum(forward(input), probe)
            value.pointee = saved - step
            let minus = weightedSum(forward(input), probe)
            value.pointee = saved
            return (plus - minus) / (2 * step)
        }
        func record(_ a: Double, _ n: Double) {
            worst = max(worst, abs(a - n) / max(1, abs(a), abs(n)))
        }
        let inputIndices = sample(count: input.count, limit: maxChecks * 4, generator: &generator)
        for i in inputIndices { record(analyticInput[i], numeric(input.pointer + i)) }
        for p in parameters where p.isTrainable {
            let analytic = p.gradient
            for i in sample(count: p.count, limit: maxChecks, generator: &generator) {
                record(analytic[i], numeric(p.pointer + i))
            }
        }
        return worst
    }

    static func sample(count: Int, limit: Int, generator: inout SeededGenerator) -> [Int] {
        if count <= limit { return Array(0..<count) }
        return (0..<limit).map { _ in Int.random(in: 0..<count, using: &generator) }
    }
}
