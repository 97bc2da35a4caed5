import Foundation
import Testing
import RESP
import ONNX
import TandemClient
import TandemNN
import TandemONNX
import TandemTensor
import TandemTesting

/// Models against `redis-server` with TandemAI (see “Models and scripts” in
/// Documentation/SmartRedisWire.md): the commands as SmartRedis sends them,
/// client-side validation, and — when the module can run ONNX models — the whole cycle.
@Suite struct ClientModelsTests {
    @Test func setModelSendsChunkedModelstore() throws {
        let server = try Peers.moduleServer()
        let client = try server.client()
        let recorder = try CommandRecorder(server)
        try client.setModelChunkSize(1000)
        let model = (0..<2500).map { UInt8(truncatingIfNeeded: $0) }
        let options = ModelOptions(batchSize: 8, minBatchSize: 2, minBatchTimeout: 5, tag: "v1")
        // Whether the module accepts these bytes depends on its ONNX runtime; the commands do not.
        _ = try? client.setModel("m1", model: model, backend: .onnx, options: options)
        let commands = try recorder.commands()
        #expect(commands.first == ["AI.CONFIG", "MODEL_CHUNK_SIZE", "1000"].map { Array($0.utf8) })
        let store = try #require(commands.last)
        #expect(store.prefix(12).map { String(decoding: $0, as: UTF8.self) }
                == ["AI.MODELSTORE", "m1", "ONNX", "CPU", "TAG", "v1", "BATCHSIZE", "8", "MINBATCHSIZE", "2", "MINBATCHTIMEOUT", "5"])
        #expect(store[12] == Array("BLOB".utf8))
        #expect(store[13...].map(\.count) == [1000, 1000, 500])
        #expect(Array(store[13...].joined()) == model, "the chunks concatenate to the model")
        #expect(commands.count == 2, "a chunk size set by this client is not asked again")
    }

    @Test func theChunkSizeIsAskedBeforeEveryStore() throws {
        let server = try Peers.moduleServer()
        let client = try server.client()
        let recorder = try CommandRecorder(server)
        _ = try? client.setModel("m", model: [1, 2, 3], backend: .onnx)
        _ = try? client.setModel("m", model: [1, 2, 3], backend: .onnx, options: ModelOptions(device: "gpu:1"))
        #expect(try recorder.lines() == [
            "AI.CONFIG GET MODEL_CHUNK_SIZE", "AI.MODELSTORE m ONNX CPU BLOB \\x01\\x02\\x03",
            "AI.CONFIG GET MODEL_CHUNK_SIZE", "AI.MODELSTORE m ONNX GPU:1 BLOB \\x01\\x02\\x03",
        ])
    }

    @Test func invalidRequestsAreRefusedBeforeSending() throws {
        let server = try Peers.moduleServer()
        let client = try server.client()
        let recorder = try CommandRecorder(server)
        let bad: [(String, [UInt8], ModelBackend, ModelOptions)] = [
            ("", [1], .onnx, ModelOptions()),
            ("m", [], .onnx, ModelOptions()),
            ("m", [1], .onnx, ModelOptions(device: "TPU")),
            ("m", [1], .onnx, ModelOptions(inputs: ["x"])),
            ("m", [1], .torch, ModelOptions(outputs: ["y"])),
            ("m", [1], .onnx, ModelOptions(minBatchSize: 2)),
            ("m", [1], .onnx, ModelOptions(batchSize: 4, minBatchTimeout: 5)),
        ]
        for (name, model, backend, options) in bad {
            do {
                try client.setModel(name, model: model, backend: backend, options: options)
                Issue.record("\(name) \(backend) \(options) must be refused")
            } catch {
                #expect(error.code == .invalidArgument)
            }
        }
        #expect(throws: ClientError.self) { try client.setModel("m", fromFile: "/nonexistent/model.onnx", backend: .onnx) }
        #expect(try recorder.commands().isEmpty)
    }

    @Test func missingModelsAreKeyErrors() throws {
        let server = try Peers.moduleServer()
        let client = try server.client()
        #expect(try !client.modelExists("nope"))
        #expect(try !client.pollModel("nope", intervalMilliseconds: 5, tries: 2))
        for action in [{ _ = try client.getModel("nope") }, { try client.deleteModel("nope") },
                       { try client.runModel("nope", inputs: ["a"], outputs: ["b"]) }] as [() throws -> Void] {
            do {
                try action()
                Issue.record("a missing model must throw")
            } catch let error as ClientError {
                #expect(error.code == .keyNotFound, "\(error)")
                #expect(error.serverReply == "ERR model key is empty")
            }
        }
    }

    @Test func storeGetInfoAndDeleteAModel() throws {
        let server = try Peers.moduleServer()
        let client = try server.client(prefixes: KeyPrefixConfiguration(output: "trainer", inputs: ["trainer"]))
        try client.setModelChunkSize(64)
        let model = try Self.storeDoublingModel(client, server: server)
        #expect(model.count > 64)
        #expect(try client.getModel("double") == model, "a multi-chunk reply is concatenated in order")
        #expect(try client.modelExists("double"))
        #expect(try client.pollModel("double", intervalMilliseconds: 5, tries: 2))

        let info = try client.aiInfo("double")
        #expect(info["key"] == "double")
        #expect(info["type"] == "MODEL")
        #expect(info["backend"] == "ONNX")
        #expect(info["tag"] == "v1")
        #expect(info["calls"] == "0")
        #expect(try client.aiInfo("double", resetStatistics: true).isEmpty, "RESETSTAT's OK is a success")

        client.useModelEnsemblePrefix(true)
        #expect(try !client.modelExists("double"), "with the model switch on the key is trainer.double")
        client.useModelEnsemblePrefix(false)
        try client.deleteModel("double")
        #expect(try !client.modelExists("double"))
    }

    @Test func runAModelInTheDatabase() throws {
        let server = try Peers.moduleServer()
        let client = try server.client(prefixes: KeyPrefixConfiguration(output: "trainer", inputs: ["trainer"]))
        _ = try Self.storeDoublingModel(client, server: server)
        try client.putTensor("x", [1, 2, 3, 4] as [Float], shape: [1, 4])
        let recorder = try CommandRecorder(server)
        try client.runModel("double", inputs: ["x"], outputs: ["y"])
        #expect(try recorder.lines() == ["AI.MODELEXECUTE double INPUTS 1 trainer.x OUTPUTS 1 trainer.y TIMEOUT 60000000"])
        #expect(try client.getTensor("y", as: Float.self).scalars == [2, 4, 6, 8])
        #expect(try client.aiInfo("double")["calls"] == "1")
    }

    /// An exported DiffusionResNet stored, run and read back by the Swift client gives
    /// TandemNN's own numbers.
    @Test func runAnExportedTandemNNModelInTheDatabase() throws {
        let server = try Peers.moduleServer()
        let client = try server.client()
        let model = DiffusionResNet<Float>(depth: 2, seed: 8)
        try client.setModel("surrogate", model: model.onnxModel(height: 32, width: 32).serialized(), backend: .onnx)
        var generator = SeededGenerator(seed: 2)
        let input = Tensor(shape: [3, 32, 32, 1], scalars: (0..<3 * 32 * 32).map { _ in Float.random(in: 0...1, using: &generator) })
        try client.putTensor("u_init", input)
        try client.runModel("surrogate", inputs: ["u_init"], outputs: ["u_pred"])
        let output = try client.getTensor("u_pred")
        #expect(output.shape == [3, 32, 32, 1])
        let expected = try Predictor(model: model, threads: 1).predict(input)
        #expect(maxAbsDifference(output.scalars(as: Float.self), expected.scalars(as: Float.self)) < 1e-4)
    }

    /// Builds `y = x + x` with the Python `onnx` package and stores it as `double` (tag v1).
    private static func storeDoublingModel(_ client: Client, server: RedisServer) throws -> [UInt8] {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "model")
        let path = directory.appendingPathComponent("double.onnx").path
        _ = try Peers.runPython("make_model.py", [path], server: server)
        try client.setModel("double", fromFile: path, backend: .onnx, options: ModelOptions(tag: "v1"))
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
