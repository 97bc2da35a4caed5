import ArgumentParser
import HeatDiffusion
import TandemTensor
import Foundation

/// `tandem-bench solver`: the steady-state solver on one core at several sizes, and how its
/// cost grows with the number of unknowns.
struct SolverBenchmark: BenchmarkArea {
    static let configuration = CommandConfiguration(
        commandName: "solver", abstract: "Steady-state heat-diffusion solves per second by grid size.")

    @OptionGroup var options: BenchmarkOptions

    @Option(parsing: .upToNextOption, help: "Grid sizes (points per side).")
    var sizes: [Int] = [64, 128, 256]

    func run() throws {
        var generator = SeededGenerator(seed: 2024)
        var previous: (unknowns: Double, ms: Double)?
        for size in sizes {
            // Several different random problems per size, so the figure is not one lucky mask.
            let problems = try (0..<8).map { _ in try HeatProblem.random(size: size, using: &generator) }
            let solver = SteadyStateSolver()
            var index = 0
            // 24 repeats unless `--repeats` says otherwise: a solve is short, so the median of
            // many is cheap and steadier on a shared machine.
            let ms = try measureMedian(warmup: 2, repeats: options.repeats ?? (options.quick ? 4 : 24)) {
                _ = try solver.solve(problems[index % problems.count])
                index += 1
            }
            let unknowns = Double(size * size)
            var record = BenchmarkRecord(bench: "solver", case: "solve", [
                "size": size, "unknowns": Int(unknowns), "threads": 1, "median_ms": ms, "per_s": 1000 / ms,
            ])
            if let previous {
                // Growth exponent of time in the number of unknowns: 1 is linear.
                let exponent = (ms / previous.ms).logarithm / (unknowns / previous.unknowns).logarithm
                record.fields.append(("growth_exponent", exponent))
            }
            record.emit()
            previous = (unknowns, ms)
        }
    }
}

private extension Double {
    var logarithm: Double { Foundation.log(self) }
}
