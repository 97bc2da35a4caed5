/// Accumulates how far predictions are from the reference over many cases, and the same
/// for the two trivial predictors (all zeros; the input itself) that give the scale. The
/// model's error is also split between points near a source (``NearSource``) and the far
/// field.
public struct AccuracyMeter: Sendable {
    private var cases = 0
    private var points = 0
    private var modelSum = 0.0, zerosSum = 0.0, identitySum = 0.0
    private var modelMax = 0.0
    private var nearSum = 0.0, nearPoints = 0

    public init() {}

    /// Adds one case: the model's input, the reference answer and the model's prediction.
    /// When the fields are square, the near-source split uses the input as the source map.
    ///
    /// - Throws: ``WorkflowError`` when the three fields differ in length or one is empty.
    public mutating func add(input: [Float], truth: [Float], prediction: [Float]) throws(WorkflowError) {
        guard !truth.isEmpty, input.count == truth.count, prediction.count == truth.count else {
            throw WorkflowError("a prediction of \(prediction.count) values cannot be compared with a reference of "
                + "\(truth.count) values for an input of \(input.count)")
        }
        let side = Int(Double(truth.count).squareRoot().rounded())
        let near = side * side == truth.count ? NearSource.mask(sources: input, size: side) : nil
        for i in truth.indices {
            let t = Double(truth[i])
            let error = abs(Double(prediction[i]) - t)
            modelSum += error
            modelMax = error.isNaN || modelMax.isNaN ? .nan : max(modelMax, error)
            zerosSum += abs(t)
            identitySum += abs(Double(input[i]) - t)
            if near?[i] == true {
                nearSum += error
                nearPoints += 1
            }
        }
        points += truth.count
        cases += 1
    }

    /// The figures so far (`nil` before the first case).
    public var result: Report.Accuracy? {
        guard points > 0 else { return nil }
        let n = Double(points)
        let farPoints = points - nearPoints
        return Report.Accuracy(samples: cases, meanAbsoluteError: modelSum / n, maxAbsoluteError: modelMax,
                               zerosMeanAbsoluteError: zerosSum / n, identityMeanAbsoluteError: identitySum / n,
                               nearSourceMeanAbsoluteError: nearPoints > 0 ? nearSum / Double(nearPoints) : nil,
                               farFieldMeanAbsoluteError: farPoints > 0 ? (modelSum - nearSum) / Double(farPoints) : nil,
                               nearSourceShare: Double(nearPoints) / n)
    }
}
