import Foundation
import TandemClient
import TandemPlot

extension OnlineTrainingRun {
    /// Runs `model` in the database on every case's initial temperature, downloads only the
    /// predictions, and compares them with the solver's answers; the figures go into the
    /// report, with a picture of the first three cases. `epoch` is the one after which
    /// `model` was stored (the last checkpoint: the last epoch when `epochs` is a multiple
    /// of the checkpoint interval).
    func measure(_ model: String, epoch: Int, on cases: [SolvedCase], client: Client) throws {
        let size = options.size
        var meter = AccuracyMeter()
        var pictured: [[[Float]]] = []
        for (j, testCase) in cases.enumerated() {
            let input = "test_u_init_\(j)", output = "test_u_predicted_\(j)"
            try client.putTensor(input, testCase.initial, shape: [1, size, size, 1])
            try client.runModel(model, inputs: [input], outputs: [output])
            let prediction = try prediction(output, client: client)
            try meter.add(input: testCase.initial, truth: testCase.steady, prediction: prediction)
            try client.deleteTensor(input)
            try client.deleteTensor(output)
            if j < 3 { pictured.append([testCase.initial, testCase.steady, prediction]) }
        }
        guard let accuracy = meter.result else { return }
        try record.addPicture(try Pictures.png(rows: pictured, size: size), file: Pictures.fresh,
                              title: "Final model on fresh simulations",
                              caption: "Each row: initial temperature, the solver's steady state, \(model) (epoch \(epoch)) run in the database.")
        try record.update { $0.accuracy = accuracy }
        try note(String(format: "final model %@ (epoch %d) on %d fresh simulations: mean absolute error %.4f, max %.4f "
            + "(zeros %.4f, input %.4f)", model, epoch, accuracy.samples, accuracy.meanAbsoluteError, accuracy.maxAbsoluteError,
            accuracy.zerosMeanAbsoluteError, accuracy.identityMeanAbsoluteError))
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
