/// A loss between a prediction and a target of the same shape, averaged over every value
/// (as Keras' `mean_absolute_error` / `mean_squared_error` averaged over the batch).
public enum Loss: String, Sendable, CaseIterable {
    /// `mean |p − t|`; the gradient at `p = t` is taken as 0, as TensorFlow does.
    case meanAbsoluteError = "mae"
    /// `mean (p − t)²`.
    case meanSquaredError = "mse"

    /// The loss value, accumulated in Double.
    ///
    /// - Precondition: `prediction` and `target` have the same shape.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func value<Scalar: NNScalar>(_ prediction: FeatureMap<Scalar>, _ target: FeatureMap<Scalar>) -> Double {
        precondition(prediction.hasSameShape(as: target), "loss: prediction \(prediction.shapeNHWC) vs target \(target.shapeNHWC)")
        let p = prediction.pointer, t = target.pointer
        var total = 0.0
        switch self {
        case .meanAbsoluteError:
            for i in 0..<prediction.count { total += Double(abs(p[i] - t[i])) }
        case .meanSquaredError:
            for i in 0..<prediction.count { let d = Double(p[i] - t[i]); total += d * d }
        }
        return total / Double(prediction.count)
    }

    /// Writes `∂loss/∂prediction` into `gradient` (resized to the prediction's shape).
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func gradient<Scalar: NNScalar>(_ prediction: FeatureMap<Scalar>, _ target: FeatureMap<Scalar>, into gradient: FeatureMap<Scalar>) {
        precondition(prediction.hasSameShape(as: target), "loss: prediction \(prediction.shapeNHWC) vs target \(target.shapeNHWC)")
        gradient.resize(like: prediction)
        let p = prediction.pointer, t = target.pointer, g = gradient.pointer
        let scale = 1 / Scalar(prediction.count)
        switch self {
        case .meanAbsoluteError:
            for i in 0..<prediction.count {
                let d = p[i] - t[i]
                g[i] = d > 0 ? scale : (d < 0 ? -scale : 0)
            }
        case .meanSquaredError:
            for i in 0..<prediction.count { g[i] = 2 * scale * (p[i] - t[i]) }
        }
    }
}
