import TandemPlot

/// Accumulates how far predictions are from the reference over many cases, and the same
/// for the two trivial predictors (all zeros; the input itself) that give the scale.
public struct AccuracyMeter: Sendable {
    private var cases = 0
    private var points = 0
    private var modelSum = 0.0, zerosSum = 0.0, identitySum = 0.0
    private var modelMax = 0.0

    public init() {}

    /// Adds one case: the model's input, the reference answer and the model's prediction.
    ///
    /// - Throws: ``WorkflowError`` when the three fields differ in length or one is empty.
    public mutating func add(input: [Float], truth: [Float], prediction: [Float]) throws(WorkflowError) {
        guard !truth.isEmpty, input.count == truth.count, prediction.count == truth.count else {
            throw WorkflowError("a prediction of \(prediction.count) values cannot be compared with a reference of "
                + "\(truth.count) values for an input of \(input.count)")
        }
        for i in truth.indices {
            let t = Double(truth[i])
            let error = abs(Double(prediction[i]) - t)
            modelSum += error
            modelMax = error.isNaN || modelMax.isNaN ? .nan : max(modelMax, error)
            zerosSum += abs(t)
            identitySum += abs(Double(input[i]) - t)
        }
        points += truth.count
        cases += 1
    }

    /// The figures so far (`nil` before the first case).
    public var result: Report.Accuracy? {
        guard points > 0 else { return nil }
        let n = Double(points)
        return Report.Accuracy(samples: cases, meanAbsoluteError: modelSum / n, maxAbsoluteError: modelMax,
                               zerosMeanAbsoluteError: zerosSum / n, identityMeanAbsoluteError: identitySum / n)
    }
}
