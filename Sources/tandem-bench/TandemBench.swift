import ArgumentParser

/// Tandem's benchmark program: one subcommand per area, one JSON object per measured case.
@main
struct TandemBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem-bench",
        abstract: "Measure Tandem's speed; prints one JSON line per case.",
        subcommands: [AllBenchmarks.self] + areas)

    /// Every area, in the order `all` runs them.
    static let areas: [any BenchmarkArea.Type] = [
        SolverBenchmark.self, ModuleBenchmark.self, ClientBenchmark.self, TrainBenchmark.self,
        InferBenchmark.self, ExperimentBenchmark.self, ONNXBenchmark.self, PipelineBenchmark.self, ClusterBenchmark.self,
    ]
}

/// One area's subcommand: it shares the common options.
protocol BenchmarkArea: ParsableCommand {
    var options: BenchmarkOptions { get set }
}

/// Options every benchmark shares.
struct BenchmarkOptions: ParsableArguments {
    @Flag(help: "Run a short version of every case (seconds, for smoke tests).")
    var quick = false

    @Option(help: "Measured repeats after the warm-up (default: 5, or 2 with --quick).")
    var repeats: Int?

    var measuredRepeats: Int { repeats ?? (quick ? 2 : 5) }
}

/// Runs every area in turn.
struct AllBenchmarks: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "all", abstract: "Run every benchmark.")

    @OptionGroup var options: BenchmarkOptions

    func run() throws {
        for area in TandemBench.areas {
            // Parsed from no arguments so every option holds its default (a plain `init()`
            // leaves them unreadable), then given the shared options.
            var benchmark = try area.parse([])
            benchmark.options = options
            try benchmark.run()
        }
    }
}
