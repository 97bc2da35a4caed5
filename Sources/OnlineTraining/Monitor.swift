import Foundation
import TandemClient
import TandemExperiment
import TandemNN
import TandemPlot
import TandemWorkflow

/// Watches the running ensemble and trainer until both have finished: counts finished
/// simulations, follows the training loss, draws the samples once they exist and every
/// checkpoint's predictions as soon as it is stored, and fails fast when a process fails.
struct Monitor {
    let run: OnlineTrainingRun
    let client: Client
    let ensemble: Ensemble
    let trainer: Model
    /// Indices of the drawn simulations of member 0.
    let samples: [Int]
    /// The fresh simulations every checkpoint is measured on.
    let testCases: [SolvedCase]

    private var simulationsDone: [Int]
    private var losses: [Double] = []
    private var samplesDrawn = false
    private var truths: [[Float]] = []
    private var nextCheckpoint = 0
    private var lastCurveCheck: ContinuousClock.Instant?

    init(run: OnlineTrainingRun, client: Client, ensemble: Ensemble, trainer: Model, samples: [Int], testCases: [SolvedCase]) {
        self.run = run
        self.client = client
        self.ensemble = ensemble
        self.trainer = trainer
        self.samples = samples
        self.testCases = testCases
        self.simulationsDone = Array(repeating: 0, count: ensemble.members.count)
    }

    private var options: WorkflowOptions { run.options }
    private var checkpointEpochs: [Int] { options.checkpointEpochs }

    /// The key of tensor `name` of simulation `index` of member 0.
    private func key(_ index: Int, _ name: String, member: Int = 0) -> String {
        "\(ensemble.members[member].name).{\(WorkflowKeys.simulation(index))}.\(name)"
    }

    /// Looks every 100 ms until the ensemble and the trainer have finished.
    mutating func watch() throws {
        while true {
            let finished = try run.experiment.finished(ensemble) && run.experiment.finished(trainer)
            try checkFailures()
            try look(curvesNow: finished)
            if finished { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        run.console.endStatus()
        guard samplesDrawn else { throw WorkflowError("the simulations to draw never appeared in the database") }
        guard nextCheckpoint == checkpointEpochs.count else {
            throw WorkflowError("\(trainer.name) finished without storing \(options.checkpointName(nextCheckpoint))")
        }
        try run.note("\(ensemble.name) and \(trainer.name) finished")
    }

    /// One look at everything.
    private mutating func look(curvesNow: Bool) throws {
        try countSimulations()
        let now = ContinuousClock.now
        if curvesNow || lastCurveCheck.map({ now - $0 >= .seconds(1) }) ?? true {
            lastCurveCheck = now
            try followTraining()
        }
        if !samplesDrawn { try drawSamplesIfReady() }
        while samplesDrawn, nextCheckpoint < checkpointEpochs.count, try client.modelExists(options.checkpointName(nextCheckpoint)) {
            try drawCheckpoint(nextCheckpoint)
            nextCheckpoint += 1
        }
        run.console.status(statusLine)
    }

    private var statusLine: String {
        let total = options.replicas * options.steps
        var line = "simulations \(simulationsDone.reduce(0, +))/\(total) · epoch \(losses.count)/\(options.epochs)"
        if let loss = losses.last { line += String(format: " loss %.4f", loss) }
        return line + " · checkpoints \(nextCheckpoint)/\(checkpointEpochs.count)"
    }

    /// Advances each member's count while its next simulation exists.
    private mutating func countSimulations() throws {
        for member in simulationsDone.indices {
            while simulationsDone[member] < options.steps,
                  try client.keyExists(key(simulationsDone[member], WorkflowKeys.steadyField, member: member)) {
                simulationsDone[member] += 1
            }
        }
    }

    /// Reads the trainer's loss and learning-rate histories; redraws the curves when they grew.
    private mutating func followTraining() throws {
        guard try client.tensorExists(WorkflowKeys.lossHistory) else { return }
        let history = try client.getTensor(WorkflowKeys.lossHistory, as: Double.self).scalars
        guard history.count != losses.count else { return }
        losses = history
        let rates = (try? client.getTensor(WorkflowKeys.learningRateHistory, as: Double.self).scalars) ?? []
        try run.record.addPicture(Array(Pictures.epochPlot(title: "Training loss", yLabel: "mean absolute error", values: losses, epochs: options.epochs).utf8),
                                  file: Pictures.loss, title: "Training loss per epoch",
                                  caption: "Mean absolute error over the epoch's mini-batches, as surrogate-train publishes it.")
        if !rates.isEmpty {
            try run.record.addPicture(Array(Pictures.epochPlot(title: "Learning rate", yLabel: "learning rate", values: rates, epochs: options.epochs).utf8),
                                      file: Pictures.learningRate, title: "Learning rate per epoch",
                                      caption: "Adam's learning rate at the end of each epoch (\(options.network.learningRateDescription), with the default initial rate).")
        }
        try run.record.update { report in
            report.setSeries(WorkflowKeys.lossHistory, history)
            report.setSeries(WorkflowKeys.learningRateHistory, rates)
        }
    }

    /// Draws the samples' steady states once every one of them is in the database.
    private mutating func drawSamplesIfReady() throws {
        for index in samples where !(try client.keyExists(key(index, WorkflowKeys.steadyField))) { return }
        truths = try samples.map { try run.prediction(key($0, WorkflowKeys.steadyField), client: client) }
        try run.record.addPicture(try Pictures.png(rows: [truths], size: options.size), file: Pictures.samples,
                                  title: "Simulation",
                                  caption: "Steady state of simulations \(samples.map(String.init).joined(separator: ", ")) of \(ensemble.members[0].name), read from the database.")
        samplesDrawn = true
        try run.note("\(samples.count) simulations of \(ensemble.members[0].name) drawn (\(Pictures.samples))")
    }

    /// Runs checkpoint `index` in the database on the samples' initial temperatures,
    /// downloads only the outputs and draws them.
    private mutating func drawCheckpoint(_ index: Int) throws {
        let name = options.checkpointName(index), epoch = checkpointEpochs[index]
        var predictions: [[Float]] = []
        var errorSum = 0.0
        for (i, sample) in samples.enumerated() {
            let output = "ml_steady_\(sample)"
            try client.runModel(name, inputs: [key(sample, WorkflowKeys.initialField)], outputs: [output])
            let prediction = try run.prediction(output, client: client)
            predictions.append(prediction)
            errorSum += zip(prediction, truths[i]).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) }
        }
        let errors = zip(predictions, truths).map { Pictures.absoluteError($0, $1) }
        try run.record.addPicture(try Pictures.png(rows: [(predictions, []), ([], errors)], size: options.size), file: Pictures.model(epoch: epoch),
                                  title: "Model at training epoch \(epoch)",
                                  caption: "\(name) run in the database on the initial temperatures of the simulations above; "
                                    + String(format: "below, the error |prediction − solver| (white 0, dark red %.2g or more).", Pictures.errorScale))
        let error = errorSum / Double(samples.count * options.size * options.size)
        try run.note(String(format: "checkpoint %@ (epoch %d) run in the database: mean absolute error %.4f on the drawn simulations (%@)",
                            name, epoch, error, Pictures.model(epoch: epoch)))
        try run.recordCheckpointError(name, epoch: epoch, on: testCases, client: client)
    }

    /// Fails when any member or the trainer failed or was stopped, with the end of its error output.
    private func checkFailures() throws {
        for job in run.experiment.reports(of: ensemble) + run.experiment.reports(of: trainer)
        where job.status == .failed || job.status == .cancelled {
            let member = ensemble.members.first { $0.name == job.name } ?? trainer
            let errorFile = member.directory.appendingPathComponent("\(job.name).err")
            let tail = ((try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
                .split(separator: "\n").suffix(5).joined(separator: "\n")
            throw WorkflowError("\(job.name) \(job.status.description.lowercased()) (return code \(job.returnCode.map(String.init) ?? "?"))"
                + (tail.isEmpty ? "" : "; the end of \(errorFile.path):\n\(tail)"))
        }
    }
}
