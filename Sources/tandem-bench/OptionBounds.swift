import ArgumentParser
import HeatDiffusion
import TandemNN
import TandemWorkflow

// Every benchmark refuses an option out of range before it allocates or launches anything,
// with the same words as the workflow programs ("--size must be 3…2049, got 0").

/// Throws the first bound violated, as a usage error.
private func check(_ bounds: [OptionBound]) throws {
    if let problem = OptionBound.firstViolation(bounds) { throw ValidationError(problem) }
}

/// Throws unless every case asked for is one the benchmark has.
private func check(cases: [String], known: [String]) throws {
    if let unknown = cases.first(where: { !known.contains($0) }) {
        throw ValidationError("--cases: no case \"\(unknown)\"; the cases are \(known.joined(separator: ", "))")
    }
}

/// The sizes a benchmarked network can take: at least one point per halving.
private func checkNetwork(depth: Int, size: Int) throws {
    try check([OptionBound("--size", HeatProblem.sizes, size)])
    if let problem = SurrogateNetwork.depthProblem(depth: depth, size: size) { throw ValidationError(problem) }
}

extension BenchmarkOptions {
    func validate() throws {
        if let repeats { try check([OptionBound("--repeats", 1...1000, repeats)]) }
    }
}

extension TrainBenchmark {
    func validate() throws {
        try check(cases: cases, known: ["throughput", "accuracy", "surrogate"])
        try checkNetwork(depth: depth, size: size)
        try check([OptionBound("--batch", 1...10_000, batch), OptionBound("--threads", 1...1024, threads),
                   OptionBound("--levels", 1...10, levels), OptionBound("--width", 1...64, width),
                   OptionBound("--surrogate-simulations", 1...100_000, surrogateSimulations),
                   OptionBound("--surrogate-epochs", 1...100_000, surrogateEpochs),
                   OptionBound("--surrogate-batch", 1...10_000, surrogateBatch)])
        guard surrogateLearningRate.isFinite, surrogateLearningRate > 0 else {
            throw ValidationError("--surrogate-learning-rate must be positive, got \(surrogateLearningRate)")
        }
    }
}

extension InferBenchmark {
    func validate() throws {
        try check(cases: cases, known: ["model", "kernels"])
        try checkNetwork(depth: depth, size: size)
        try check([OptionBound("--threads", 1...1024, threads), OptionBound("--group", 1...10_000, group)])
    }
}

extension ONNXBenchmark {
    func validate() throws {
        try check(cases: cases, known: ["inference", "torch", "auto-batching"])
        try checkNetwork(depth: depth, size: size)
    }
}

extension PipelineBenchmark {
    func validate() throws { try check([OptionBound("--size", HeatProblem.sizes, size)]) }
}

extension SolverBenchmark {
    func validate() throws {
        try check(sizes.map { OptionBound("--sizes", HeatProblem.sizes, $0) })
    }
}

extension ExperimentBenchmark {
    func validate() throws { try check([OptionBound("--members", 1...256, members)]) }
}

extension ModuleBenchmark {
    func validate() throws {
        try check(elements.map { OptionBound("--elements", 1...100_000_000, $0) })
    }
}
