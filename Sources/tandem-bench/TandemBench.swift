import ArgumentParser

/// Tandem's benchmark program: one subcommand per area, one JSON object per measured case.
@main
struct TandemBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem-bench",
        abstract: "Measure Tandem's speed; prints one JSON line per case.",
        subcommands: [AllBenchmarks.self, SolverBenchmark.self, ModuleBenchmark.self, ClientBenchmark.self,
                      TrainBenchmark.self, InferBenchmark.self, ExperimentBenchmark.self, ONNXBenchmark.self])
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
        // Parsed from no arguments so every option holds its default (a plain `init()`
        // leaves them unreadable), then given the shared options.
        var solver = try SolverBenchmark.parse([])
        solver.options = options
        try solver.run()
        var module = try ModuleBenchmark.parse([])
        module.options = options
        try module.run()
        var client = try ClientBenchmark.parse([])
        client.options = options
        try client.run()
        var train = try TrainBenchmark.parse([])
        train.options = options
        try train.run()
        var infer = try InferBenchmark.parse([])
        infer.options = options
        try infer.run()
        var experiment = try ExperimentBenchmark.parse([])
        experiment.options = options
        try experiment.run()
        var onnx = try ONNXBenchmark.parse([])
        onnx.options = options
        try onnx.run()
    }
}
