import ArgumentParser
import Foundation
import HeatDiffusion
import TandemClient
import TandemML
import TandemNN
import TandemTensor

/// `tandem-bench pipeline`: the online-training data path through a real database —
/// simulations per second of one `fd-sim` at size 64 including staging, and the trainer's
/// samples per second with its data served from the database versus from memory.
struct PipelineBenchmark: BenchmarkArea {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "fd-sim simulations per second with staging; training from the database vs from memory.")

    @OptionGroup var options: BenchmarkOptions
    @Option(help: "libTandemAI.so (default: $TANDEM_MODULE_PATH).") var module: String?
    @Option(help: "Grid size.") var size = 64

    func run() throws {
        guard let module = module ?? ProcessInfo.processInfo.environment["TANDEM_MODULE_PATH"] else {
            BenchmarkRecord(bench: "pipeline", case: "all", ["skipped": "no TandemAI module (set TANDEM_MODULE_PATH or --module)"]).emit()
            return
        }
        let server = try BenchServer(module: module)
        defer { server.stop() }
        try simulations(port: server.port)
        try training(port: server.port)
    }

    /// One `fd-sim` process: wall time per simulation, process start and every upload included.
    private func simulations(port: Int) throws {
        let steps = options.quick ? 50 : 200
        let program = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("fd-sim")
        var environment = ProcessInfo.processInfo.environment
        environment[ClientVariables.address] = "127.0.0.1:\(port)"
        environment[ClientVariables.databaseType] = "Standalone"
        var run = 0
        let ms = try measureMedian(warmup: 1, repeats: options.quick ? 1 : 3) {
            environment["SSKEYOUT"] = "bench_\(run)"
            run += 1
            let process = Process()
            process.executableURL = program
            process.arguments = ["--steps", "\(steps)", "--size", "\(size)", "--seed", "\(run)"]
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw ValidationError("fd-sim failed with status \(process.terminationStatus)") }
        }
        BenchmarkRecord(bench: "pipeline", case: "fd-sim", [
            "size": size, "steps": steps, "median_ms": ms / Double(steps), "per_s": Double(steps) / ms * 1000,
            "target_per_s": 300,
        ]).emit()
    }

    /// The same training epochs on the same 1,600 samples, served by a DataDownloader from the
    /// database (fetch check, shuffle, gather) and by a TrainingSet in memory.
    private func training(port: Int) throws {
        let batches = options.quick ? 1 : 4, batch = 50
        var configuration = ClientConfiguration(address: .tcp(host: "127.0.0.1", port: port))
        configuration.keyPrefixes = KeyPrefixConfiguration(output: "bench_sim", inputs: [])
        let uploader = try TrainingDataUploader(client: Client(configuration: configuration))
        try uploader.publishInfo()
        var generator = SeededGenerator(seed: 9)
        var samples: [Float] = [], targets: [Float] = []
        for _ in 0..<batches {
            let examples = try HeatExamples.random(simulations: 50, size: size, augmented: true, using: &generator)
            let xs = examples.initial, ys = examples.steady
            try uploader.putBatch(samples: Tensor(shape: [400, size, size, 1], scalars: xs), targets: Tensor(shape: [400, size, size, 1], scalars: ys))
            samples += xs
            targets += ys
        }
        configuration.keyPrefixes = KeyPrefixConfiguration(output: "", inputs: ["bench_sim"])
        let downloader = try DataDownloader(client: Client(configuration: configuration), info: DataInfo(),
                                            options: .init(batchSize: batch, seed: 1))
        try downloader.update()
        let memory = TrainingSet<Float>(samples: samples, targets: targets, shape: [samples.count / (size * size), size, size, 1])

        func trainer() -> Trainer<DiffusionResNet<Float>> {
            Trainer(model: DiffusionResNet<Float>(depth: 4, seed: 1), optimizer: Adam(), loss: .meanAbsoluteError)
        }
        let fromDatabase = trainer(), fromMemory = trainer()
        let inputs = FeatureMap<Float>(), outputs = FeatureMap<Float>()
        var shuffle = SeededGenerator(seed: 1)
        func databaseEpoch() throws {
            let epoch = try downloader.epoch()
            inputs.resize(batch: batch, channels: 1, height: size, width: size)
            outputs.resize(like: inputs)
            for b in epoch.indices {
                epoch.copy(b, samples: inputs.bytes, targets: outputs.bytes)
                fromDatabase.step(inputs: inputs, targets: outputs)
            }
        }
        func memoryEpoch() { fromMemory.fit(epoch: memory, batchSize: batch, generator: &shuffle) }
        // Interleaved, so both see the same machine load.
        try databaseEpoch()
        memoryEpoch()
        var databaseTimes: [Double] = [], memoryTimes: [Double] = []
        // Alternating which goes first, so a change of load between the two weighs on both.
        for round in 0..<(options.quick ? 1 : 9) {
            if round % 2 == 1 { memoryTimes.append(measureMedian(warmup: 0, repeats: 1) { memoryEpoch() }) }
            databaseTimes.append(try measureMedian(warmup: 0, repeats: 1) { try databaseEpoch() })
            if round % 2 == 0 { memoryTimes.append(measureMedian(warmup: 0, repeats: 1) { memoryEpoch() }) }
        }
        let databaseMs = median(databaseTimes), memoryMs = median(memoryTimes)
        let count = Double(memory.count)
        BenchmarkRecord(bench: "pipeline", case: "train-from-database", [
            "depth": 4, "size": size, "batch": batch, "samples": Int(count), "median_ms": databaseMs,
            "per_s": count / databaseMs * 1000, "peer": "same epochs from memory", "peer_median_ms": memoryMs,
            "peer_per_s": count / memoryMs * 1000, "ratio": memoryMs / databaseMs, "target_ratio": 0.95,
        ]).emit()
    }
}
