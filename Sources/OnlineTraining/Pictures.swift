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

    /// Whether a file name is one of the pictures a run writes.
    static func isOurs(_ file: String) -> Bool {
        [samples, fresh, loss, learningRate].contains(file)
            || (file.hasPrefix("simulation_") || file.hasPrefix("model_epoch_")) && file.hasSuffix(".png")
    }

    /// PNG bytes of rows of fields drawn side by side, rows stacked.
    static func png(rows: [[[Float]]], size: Int) throws -> [UInt8] {
        let map = heatMap(size: size)
        let panels = rows.map { map.panel($0, width: size, height: size) }
        guard panels.count > 1 else { return try PNGEncoder.encode(panels[0]) }
        var image = RGBImage(width: panels.map(\.width).max()!, height: panels.map(\.height).reduce(0, +))
        var y = 0
        for panel in panels {
            image.draw(panel, x: 0, y: y)
            y += panel.height
        }
        return try PNGEncoder.encode(image)
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
