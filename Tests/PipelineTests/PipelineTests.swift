import Foundation
import Testing
import HeatDiffusion
import RESP
import TandemTensor
import TandemTesting

/// `fd-sim` and `surrogate-train` as separate processes around a real database, as an
/// experiment runs them.
@Suite(.serialized) struct PipelineTests {
    let server: RedisServer

    init() throws {
        server = try Peers.moduleServer()
    }

    /// SmartRedis's environment for a program on this server.
    func environment(keyOut: String? = nil, keyIn: [String] = []) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in ["SSKEYIN", "SSKEYOUT"] { environment[name] = nil }
        environment["SSDB"] = "127.0.0.1:\(server.port)"
        environment["SR_DB_TYPE"] = "Standalone"
        if let keyOut { environment["SSKEYOUT"] = keyOut }
        if !keyIn.isEmpty { environment["SSKEYIN"] = keyIn.joined(separator: ",") }
        return environment
    }

    func run(_ program: String, _ arguments: [String], environment: [String: String]) throws -> String {
        let result = try TestEnvironment.run(TestEnvironment.builtProgram(program), arguments, environment: environment)
        #expect(result.status == 0, "\(program) failed: \(result.error)")
        return result.output
    }

    func keys() throws -> Set<String> {
        Set(try server.connect().send("KEYS", "*").array!.compactMap(\.string))
    }

    /// The keys one `fd-sim` writes: per simulation a dataset, per batch a training dataset.
    static func simulationKeys(prefix: String, steps: Int, batches: Int) -> Set<String> {
        var keys: Set<String> = ["\(prefix).training_data", "\(prefix).{training_data_info}.meta"]
        for i in 0..<steps { for suffix in ["meta", "u_init", "u_steady"] { keys.insert("\(prefix).{sim_data_\(i)}.\(suffix)") } }
        for b in 0..<batches { for suffix in ["meta", "samples", "targets"] { keys.insert("\(prefix).{training_samples_\(b)}.\(suffix)") } }
        return keys
    }

    @Test func twoSimulationsFeedOneTrainer() throws {
        let simulations = ["fd_simulation_0", "fd_simulation_1"]
        try simulations.enumerated().forEach { index, prefix in
            _ = try run("fd-sim", ["--steps", "20", "--size", "16", "--batch", "10", "--seed", "\(index + 1)"],
                        environment: environment(keyOut: prefix))
        }
        let log = try run("surrogate-train", ["--depth", "2", "--epochs", "2", "--size", "16", "--batch", "10",
                                              "--checkpoint-every", "1", "--seed", "3", "--wait-seconds", "10"],
                          environment: environment(keyIn: simulations))
        var expected = Self.simulationKeys(prefix: simulations[0], steps: 20, batches: 2)
            .union(Self.simulationKeys(prefix: simulations[1], steps: 20, batches: 2))
        expected.formUnion(["DiffusionResNet_2_0", "DiffusionResNet_2_1", "training_loss", "training_learning_rate"])
        #expect(try keys() == expected)
        // 2 simulations × 2 batches × 10 simulations × 8 symmetries, in full batches of 10.
        #expect(log.contains("epoch 1/2: 320 samples"), "\(log)")
        #expect(log.contains("epoch 2/2: 320 samples"), "\(log)")
        let loss = try server.connect().send("AI.TENSORGET", "training_loss", "VALUES")
        #expect(loss.array?.count == 2)
    }

    @Test func theTrainerWaitsForDataThatArrivesLater() throws {
        let trainer = Process()
        trainer.executableURL = URL(fileURLWithPath: TestEnvironment.builtProgram("surrogate-train"))
        trainer.arguments = ["--depth", "1", "--epochs", "1", "--size", "16", "--batch", "10", "--wait-seconds", "60"]
        trainer.environment = environment(keyIn: ["late_sim"])
        let output = Pipe()
        trainer.standardOutput = output
        try trainer.run()
        Thread.sleep(forTimeInterval: 1)
        #expect(trainer.isRunning, "the trainer must wait for data, not fail")
        _ = try run("fd-sim", ["--steps", "10", "--size", "16", "--batch", "10"], environment: environment(keyOut: "late_sim"))
        trainer.waitUntilExit()
        let log = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(trainer.terminationStatus == 0, "\(log)")
        #expect(log.contains("epoch 1/1: 80 samples"), "\(log)")
        #expect(try keys().contains("DiffusionResNet_1_0"))
    }

    /// A Python producer following SmartSim's conventions feeds the Swift trainer.
    @Test func aSmartSimPythonUploaderFeedsTheSwiftTrainer() throws {
        let python = try Peers.python()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python/smartsim_uploader.py").path
        let result = try TestEnvironment.run(python, [script, "16", "3", "10"], environment: environment(keyOut: "py_sim"))
        #expect(result.status == 0, "\(result.error)")
        let log = try run("surrogate-train", ["--depth", "1", "--epochs", "1", "--size", "16", "--batch", "10", "--wait-seconds", "10"],
                          environment: environment(keyIn: ["py_sim"]))
        #expect(log.contains("epoch 1/1: 30 samples"), "\(log)")
    }

    /// What `fd-sim` stages, a Python reader following SmartSim's conventions reads.
    @Test func aSmartSimPythonReaderReadsFDSim() throws {
        let python = try Peers.python()
        _ = try run("fd-sim", ["--steps", "10", "--size", "16", "--batch", "10", "--seed", "5"], environment: environment(keyOut: "fd_simulation_0"))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python/smartsim_reader.py").path
        let result = try TestEnvironment.run(python, [script, "0"], environment: environment(keyIn: ["fd_simulation_0"]))
        #expect(result.status == 0, "\(result.error)")
        // The same first simulation, recomputed here from the same seed.
        var generator = SeededGenerator(seed: 5)
        let problem = try HeatProblem.random(size: 16, using: &generator)
        let initialSum = problem.initialTemperature.values.reduce(0.0) { $0 + Double($1) }
        let steadySum = try SteadyStateSolver().solve(problem).values.reduce(0.0) { $0 + Double($1) }
        // SmartRedis may log to standard output first; the script's answer is the last line.
        let answer = result.output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(answer.hasPrefix("[1, 16, 16, 1] "), "\(result.output)")
        let numbers = answer.split(separator: " ").compactMap { Double($0) }
        #expect(numbers.count >= 3)
        #expect(abs(numbers[0] - initialSum) < 1e-9 && abs(numbers[1] - steadySum) < 1e-6, "\(result.output)")
        #expect(answer.contains(" 1 [80, 16, 16, 1] "), "one batch of 10 × 8 augmented samples: \(result.output)")
    }
}
