import ArgumentParser
import Foundation
import HeatDiffusion
import TandemPlot
import TandemExperiment
import TandemTensor
import TandemWorkflow

/// Solves a few random heat-diffusion cases, prints their statistics and draws each one:
/// the initial temperature beside the steady state, as the tutorial's first figure does.
@main
struct HeatDemo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heat-demo",
        abstract: "Solve random steady-state heat-diffusion cases and draw them.")

    @Option(help: "Number of random cases.")
    var cases = 3

    @OptionGroup var grid: GridOptions

    @Option(help: "Directory for the pictures.")
    var output = "output/demo"

    func validate() throws {
        if let problem = OptionBound.firstViolation([OptionBound("--cases", 1...1000, cases)]) {
            throw ValidationError(problem)
        }
        guard !output.isEmpty else { throw ValidationError("--output must name a folder") }
    }

    func run() throws {
        let size = grid.size
        let directory = URL(fileURLWithPath: output)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            FileHandle.standardError.write(Data("heat-demo: cannot create the output folder: \(FileProblem.explain(error, at: output))\n".utf8))
            throw ExitCode.failure
        }
        var generator = grid.seed.map(SeededGenerator.init(seed:)) ?? SeededGenerator()
        let solver = SteadyStateSolver()
        print("Solving \(cases) random case(s) on a \(size)×\(size) grid")
        for index in 0..<cases {
            let problem = try HeatProblem.random(size: size, using: &generator)
            let initial = problem.initialTemperature
            let start = DispatchTime.now().uptimeNanoseconds
            let steady = try solver.solve(problem)
            let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            let sourcePoints = initial.values.filter { $0 == 1 }.count
            let mean = steady.values.reduce(0, +) / Float(steady.values.count)
            let picture = directory.appendingPathComponent("simulation_\(index).png")
            let image = HeatMap(scale: max(1, 256 / size)).panel([initial.values, steady.values], width: size, height: size)
            try Data(PNGEncoder.encode(image)).write(to: picture)
            let centers = problem.sources.map { String(format: "(%.2f, %.2f)", $0.x, $0.y) }.joined(separator: " ")
            print(String(format: "case %d: %d source(s) %@, %d source points, solved in %.2f ms, u_steady mean %.4f max %.4f → %@",
                         index, problem.sources.count, centers, sourcePoints, milliseconds, mean,
                         steady.values.max() ?? 0, picture.path))
        }
        print("Left: initial temperature. Right: steady state. Colors: coolwarm on [0, 1].")
    }
}
