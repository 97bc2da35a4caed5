import ArgumentParser

/// The benchmark program: one subcommand per area, one JSON line per case.
@main
struct TandemBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem-bench",
        abstract: "Tandem's benchmarks: one JSON object per line per case.",
        subcommands: [TrainBenchmark.self, InferBenchmark.self, PoolProbe.self])
}
