import Foundation
import TandemClient
import TandemPlot

extension OnlineTrainingRun {
    /// Runs `model` in the database on every case's initial temperature, downloads only the
    /// predictions, and compares them with the solver's answers; the figures go into the
    /// report, with a picture of the first three cases and their error maps. `epoch` is the
    /// one after which `model` was stored (the last checkpoint: the last epoch when `epochs`
    /// is a multiple of the checkpoint interval).
    func measure(_ model: String, epoch: Int, on cases: [SolvedCase], client: Client) throws {
        let size = options.size
        let (accuracy, predictions) = try evaluate(model, on: cases, client: client)
        let pictured = zip(cases, predictions).prefix(3).map { testCase, prediction in
            (fields: [testCase.initial, testCase.steady, prediction], errors: [Pictures.absoluteError(prediction, testCase.steady)])
        }
        try record.addPicture(try Pictures.png(rows: pictured, size: size), file: Pictures.fresh,
                              title: "Final model on fresh simulations",
                              caption: "Each row: initial temperature, the solver's steady state, \(model) (epoch \(epoch)) run in the database, "
                                + String(format: "and the error |prediction − solver| (white 0, dark red %.2g or more).", Pictures.errorScale))
        try record.update { $0.accuracy = accuracy }
        var split = ""
        if let near = accuracy.nearSourceMeanAbsoluteError, let far = accuracy.farFieldMeanAbsoluteError {
            split = String(format: "; near sources %.4f, far field %.4f", near, far)
        }
        try note(String(format: "final model %@ (epoch %d) on %d fresh simulations: mean absolute error %.4f, max %.4f%@ "
            + "(zeros %.4f, input %.4f)", model, epoch, accuracy.samples, accuracy.meanAbsoluteError, accuracy.maxAbsoluteError,
            split, accuracy.zerosMeanAbsoluteError, accuracy.identityMeanAbsoluteError))
    }

    /// Runs `model` in the database once on all the cases' initial temperatures (one batch
    /// `[N, size, size, 1]`), downloads the predictions and measures them against the solver.
    func evaluate(_ model: String, on cases: [SolvedCase], client: Client) throws -> (Report.Accuracy, [[Float]]) {
        let size = options.size, plane = size * size
        guard !cases.isEmpty else { throw WorkflowError("no test cases to measure \(model) on") }
        let input = "test_u_init", output = "test_u_predicted"
        try client.putTensor(input, cases.flatMap(\.initial), shape: [cases.count, size, size, 1])
        try client.runModel(model, inputs: [input], outputs: [output])
        let (shape, values) = try client.getTensor(output, as: Float.self)
        try client.deleteTensor(input)
        try client.deleteTensor(output)
        guard values.count == cases.count * plane else {
            throw WorkflowError("the model's output has shape \(shape), not [\(cases.count), \(size), \(size), 1]")
        }
        var meter = AccuracyMeter()
        var predictions: [[Float]] = []
        for (j, testCase) in cases.enumerated() {
            let prediction = Array(values[(j * plane)..<((j + 1) * plane)])
            try meter.add(input: testCase.initial, truth: testCase.steady, prediction: prediction)
            predictions.append(prediction)
        }
        guard let accuracy = meter.result else { throw WorkflowError("no test cases to measure \(model) on") }
        return (accuracy, predictions)
    }

    /// Measures checkpoint `model` (stored after `epoch`) on the test cases in the database,
    /// adds its figures to the `checkpoint_test_mae` and `checkpoint_test_max_abs_error`
    /// series (with `checkpoint_epoch`) and redraws the curve.
    func recordCheckpointError(_ model: String, epoch: Int, on cases: [SolvedCase], client: Client) throws {
        let (accuracy, _) = try evaluate(model, on: cases, client: client)
        var series: (epochs: [Double], mean: [Double], max: [Double]) = ([], [], [])
        try record.update { report in
            func values(_ name: String) -> [Double] { report.series.first { $0.name == name }?.values ?? [] }
            series = (values("checkpoint_epoch") + [Double(epoch)], values("checkpoint_test_mae") + [accuracy.meanAbsoluteError],
                      values("checkpoint_test_max_abs_error") + [accuracy.maxAbsoluteError])
            report.setSeries("checkpoint_epoch", series.epochs)
            report.setSeries("checkpoint_test_mae", series.mean)
            report.setSeries("checkpoint_test_max_abs_error", series.max)
        }
        let svg = Pictures.checkpointErrorPlot(epochs: series.epochs.map { Int($0) }, meanErrors: series.mean,
                                               maxErrors: series.max, totalEpochs: options.epochs)
        try record.addPicture(Array(svg.utf8), file: Pictures.checkpointErrors, title: "Test error per checkpoint",
                              caption: "Mean and max absolute error of every checkpoint, run in the database on the \(cases.count) fresh "
                                + String(format: "simulations, by the epoch it was stored after; the flat line is the tutorial network's mean error (%.3g).",
                                         Report.tutorialNetworkMeanAbsoluteError.upperBound))
        try note(String(format: "checkpoint %@ (epoch %d) on %d fresh simulations: mean absolute error %.4f, max %.4f",
                        model, epoch, accuracy.samples, accuracy.meanAbsoluteError, accuracy.maxAbsoluteError))
    }

    /// A model output downloaded as float32 `[1, size, size, 1]`.
    func prediction(_ key: String, client: Client) throws -> [Float] {
        let (shape, values) = try client.getTensor(key, as: Float.self)
        guard shape.reduce(1, *) == options.size * options.size else {
            throw WorkflowError("the model's output \(key) has shape \(shape), not [1, \(options.size), \(options.size), 1]")
        }
        return values
    }
}
