import Foundation
import ONNX
import RESP
import TandemNN
import TandemONNX
import TandemTensor
import Testing
import TandemTesting

/// Exported TandemNN models in the database, end to end: stored and run by the SmartRedis
/// Python client, and fuzzed blobs refused without harm.
@Suite(.needsModule) struct ONNXModelTests {
    @Test func smartRedisRunsAnExportedModelAndGetsTandemNNsNumbers() throws {
        let python = try Peers.python()
        let server = try Peers.moduleServer()
        let model = DiffusionResNet<Float>(depth: 3, seed: 12)
        var generator = SeededGenerator(seed: 4)
        for p in model.parameters where !p.name.hasSuffix(".kernel") {
            p.values = (0..<p.count).map { _ in Float.random(in: p.name.hasSuffix("variance") || p.name.hasSuffix("gamma") ? 0.5...1.5 : -0.3...0.3, using: &generator) }
        }
        let input = Tensor(shape: [5, 32, 32, 1], scalars: (0..<5 * 32 * 32).map { _ in Float.random(in: 0...1, using: &generator) })
        let expected = try Predictor(model: model, threads: 1).predict(input).scalars(as: Float.self)
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "onnx-e2e")
        defer { try? FileManager.default.removeItem(at: directory) }
        let modelPath = directory.appendingPathComponent("surrogate.onnx").path
        let inputPath = directory.appendingPathComponent("in.bin").path, outputPath = directory.appendingPathComponent("out.bin").path
        try Data(model.onnxModel(height: 32, width: 32).serialized()).write(to: URL(fileURLWithPath: modelPath))
        try Data(input.bytes).write(to: URL(fileURLWithPath: inputPath))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python/smartredis_onnx.py").path
        var environment = ProcessInfo.processInfo.environment
        environment["SR_LOG_LEVEL"] = "QUIET"
        let result = try TestEnvironment.run(python, [script, "\(server.port)", modelPath, inputPath, "5,32,32,1", outputPath],
                                             environment: environment)
        try #require(result.status == 0, "\(result.output)\n\(result.error)\n\(server.log.suffix(2000))")
        let data = try Data(contentsOf: URL(fileURLWithPath: outputPath))
        let got = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(got.count == expected.count)
        #expect(maxAbsDifference(got, expected) < 1e-4)
        let c = try server.connect()
        let info = try #require(try c.call("AI.INFO", "surrogate").array)
        #expect(info[13] == .integer(5) && info[15] == .integer(1) && info[17] == .integer(0))
        let meta = try #require(try c.call("AI.MODELGET", "surrogate", "META").array)
        #expect(meta[11] == .array([bulk("input")]) && meta[13] == .array([bulk("output")]))
    }

    /// Truncated, mutated and random blobs: each store is refused with an error (or, rarely,
    /// accepted as a valid model); the server keeps serving and a good model still runs.
    @Test func fuzzedBlobsAreRefusedWithoutCrashingTheServer() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "2"])
        let c = try server.connect()
        let valid = DiffusionResNet<Float>(depth: 2, seed: 3).onnxModel(height: 16, width: 16).serialized()
        #expect(try c.call("AI.MODELSTORE", "good", "ONNX", "CPU", "BLOB", valid) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "x", "FLOAT", 2, 16, 16, 1) == .simpleString("OK"))
        var generator = SeededGenerator(seed: 21)
        var refused = 0
        for trial in 0..<300 {
            var blob = valid
            switch trial % 4 {
            case 0: blob = Array(valid.prefix(Int.random(in: 0..<valid.count, using: &generator)))
            case 1:
                for _ in 0..<Int.random(in: 1...10, using: &generator) {
                    blob[Int.random(in: 0..<blob.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            case 2: blob = (0..<Int.random(in: 1...400, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            default:
                // Adversarial lengths: a graph field claiming more bytes than there are, deep nesting.
                blob = [0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F] + Array(valid.prefix(50))
                if trial % 8 == 3 { blob = Array(repeating: [0x3A, 0x02, 0x0A, 0x00], count: 40).flatMap { $0 } }
            }
            let reply = try c.call("AI.MODELSTORE", "fuzz", "ONNX", "CPU", "BLOB", blob)
            if case .error = reply { refused += 1 } else {
                _ = try c.call("AI.MODELEXECUTE", "fuzz", "INPUTS", 1, "x", "OUTPUTS", 1, "y")
            }
        }
        #expect(refused > 200)
        #expect(server.isRunning)
        #expect(try c.call("AI.MODELEXECUTE", "good", "INPUTS", 1, "x", "OUTPUTS", 1, "y") == .simpleString("OK"))
        #expect(try c.call("PING") == .simpleString("PONG"))
    }
}
