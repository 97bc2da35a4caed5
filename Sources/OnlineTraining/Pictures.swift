import Foundation
import HeatDiffusion
import TandemPlot
import TandemTensor

/// The pictures of a run: their file names, titles and how they are drawn.
public enum Pictures {
    /// The heat map style for fields of `size × size` points (tiles about 192 pixels wide).
    public static func heatMap(size: Int) -> HeatMap {
        HeatMap(scale: max(1, 192 / size))
    }

    /// Introduction picture `k`: one random simulation, initial temperature beside steady state.
    public static func introduction(_ k: Int) -> String { "simulation_\(k).png" }
    /// The simulations of member 0 the models are run on.
    public static let samples = "simulations.png"
    /// What checkpoint stored after `epoch` predicts for the samples.
    public static func model(epoch: Int) -> String { "model_epoch_\(epoch).png" }
    /// The final model on fresh simulations: input, solver, model; one row per case.
    public static let fresh = "fresh_simulations.png"
    /// Training loss per epoch.
    public static let loss = "training_loss.svg"
    /// Learning rate per epoch.
    public static let learningRate = "learning_rate.svg"
    /// Test error of every checkpoint (run in the database on the fresh simulations).
    public static let checkpointErrors = "checkpoint_test_error.svg"

    /// The values at the dark end of the error maps (errors at or above it look the same).
    public static let errorScale = 0.05

    /// The heat map style of error maps `|prediction − solver|`: white at 0, dark red at
    /// ``errorScale``.
    public static func errorMap(size: Int) -> HeatMap {
        HeatMap(scale: max(1, 192 / size), colorMap: .orangeRed, range: 0...errorScale)
    }

    /// `|prediction − truth|` point by point.
    static func absoluteError(_ prediction: [Float], _ truth: [Float]) -> [Float] {
        zip(prediction, truth).map { abs($0 - $1) }
    }

    /// Whether a file name is one of the pictures a run writes.
    static func isOurs(_ file: String) -> Bool {
        [samples, fresh, loss, learningRate, checkpointErrors].contains(file)
            || (file.hasPrefix("simulation_") || file.hasPrefix("model_epoch_")) && file.hasSuffix(".png")
    }

    /// PNG bytes of rows of fields drawn side by side, rows stacked.
    static func png(rows: [[[Float]]], size: Int) throws -> [UInt8] {
        let map = heatMap(size: size)
        return try PNGEncoder.encode(stacked(rows.map { map.panel($0, width: size, height: size) }))
    }

    /// PNG bytes of rows, each its fields (on the temperature scale) followed by its error
    /// maps (on the error scale) to the right, either possibly empty; rows stacked.
    static func png(rows: [(fields: [[Float]], errors: [[Float]])], size: Int) throws -> [UInt8] {
        let map = heatMap(size: size), errorMap = errorMap(size: size)
        let panels = rows.map { row -> RGBImage in
            let right = errorMap.panel(row.errors, width: size, height: size)
            guard !row.fields.isEmpty else { return right }
            let left = map.panel(row.fields, width: size, height: size)
            guard !row.errors.isEmpty else { return left }
            var image = RGBImage(width: left.width + right.width, height: max(left.height, right.height))
            image.draw(left, x: 0, y: 0)
            image.draw(right, x: left.width, y: 0)
            return image
        }
        return try PNGEncoder.encode(stacked(panels))
    }

    /// `panels` stacked top to bottom, left-aligned.
    private static func stacked(_ panels: [RGBImage]) -> RGBImage {
        var image = RGBImage(width: panels.map(\.width).max()!, height: panels.map(\.height).reduce(0, +))
        var y = 0
        for panel in panels {
            image.draw(panel, x: 0, y: y)
            y += panel.height
        }
        return image
    }

    /// The test error of each checkpoint against the epoch it was stored after, with the
    /// tutorial network's measured range for scale.
    static func checkpointErrorPlot(epochs: [Int], meanErrors: [Double], maxErrors: [Double], totalEpochs: Int) -> String {
        var plot = LinePlot(title: "Test error per checkpoint", xLabel: "epoch", yLabel: "absolute error")
        plot.xDomain = 1...Double(max(2, totalEpochs))
        plot.add(.init(name: "mean", points: zip(epochs, meanErrors).map { (Double($0), $1) }))
        plot.add(.init(name: "max", points: zip(epochs, maxErrors).map { (Double($0), $1) }))
        let tutorial = Report.tutorialNetworkMeanAbsoluteError
        plot.add(.init(name: "tutorial network, mean", points: [(1, tutorial.upperBound), (Double(max(2, totalEpochs)), tutorial.upperBound)]))
        return plot.svg()
    }

    /// A line plot of one value per epoch.
    static func epochPlot(title: String, yLabel: String, values: [Double], epochs: Int) -> String {
        var plot = LinePlot(title: title, xLabel: "epoch", yLabel: yLabel)
        plot.xDomain = 1...Double(max(2, epochs))
        plot.add(.init(name: yLabel, points: values.enumerated().map { (Double($0.offset + 1), $0.element) }))
        return plot.svg()
    }
}

/// One heat-diffusion case solved by the driver itself.
struct SolvedCase {
    var initial: [Float]
    var steady: [Float]
}

extension OnlineTrainingRun {
    /// Step 1: three random simulations, solved and drawn before anything is launched.
    func drawIntroduction() throws {
        var generator = SeededGenerator(seed: derivedSeed(1))
        let solver = SteadyStateSolver()
        for k in 0..<options.introductionCases {
            let problem = try HeatProblem.random(size: options.size, using: &generator)
            let steady = try solver.solve(problem)
            try record.addPicture(try Pictures.png(rows: [[problem.initialTemperature.values, steady.values]], size: options.size),
                                  file: Pictures.introduction(k), title: "Random simulation \(k + 1)",
                                  caption: "Left: initial temperature. Right: steady state (\(problem.sources.count) heat source(s)).")
        }
        try note("\(options.introductionCases) random simulations drawn (\(Pictures.introduction(0)) …)")
    }

    /// The fresh cases the final model is measured on, solved now (before anything else
    /// competes for the cores) from their own seed, so they are not among the training data.
    func solveTestCases() throws -> [SolvedCase] {
        var generator = SeededGenerator(seed: derivedSeed(4))
        let solver = SteadyStateSolver()
        var cases: [SolvedCase] = []
        for _ in 0..<options.testCases {
            let problem = try HeatProblem.random(size: options.size, using: &generator)
            cases.append(SolvedCase(initial: problem.initialTemperature.values, steady: try solver.solve(problem).values))
        }
        return cases
    }
}
