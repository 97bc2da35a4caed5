import Foundation
import Testing
import ONNX
import TandemClient
import TandemNN
import TandemONNX
import TandemTensor
import TandemTesting

/// `runModel(_:putting:outputs:)`: put, run and get as one pipeline against `redis-server`
/// with TandemAI.
@Suite struct ClientInferenceTests {
    /// The round trip gives TandemNN's numbers, with the keys the three separate calls use
    /// (put prefix for the store and the run's outputs, get prefix for the run's inputs and
    /// the read).
    @Test func putRunAndGetInOneRoundTrip() throws {
        let server = try Peers.moduleServer()
        let client = try server.client(prefixes: KeyPrefixConfiguration(output: "sim", inputs: ["sim"]))
        client.useTensorEnsemblePrefix(true)
        let model = DiffusionResNet<Float>(depth: 2, seed: 8)
        try client.setModel("surrogate", model: model.onnxModel(height: 16, width: 16).serialized(), backend: .onnx)
        var generator = SeededGenerator(seed: 2)
        let recorder = try CommandRecorder(server)
        for batch in [1, 4] {
            let input = Tensor(shape: [batch, 16, 16, 1], scalars: (0..<batch * 256).map { _ in Float.random(in: 0...1, using: &generator) })
            let outputs = try client.runModel("surrogate", putting: [("u_init", input)], outputs: ["u_pred"])
            #expect(outputs.count == 1 && outputs[0].shape == [batch, 16, 16, 1])
            let expected = try Predictor(model: model, threads: 1).predict(input)
            #expect(maxAbsDifference(outputs[0].scalars(as: Float.self), expected.scalars(as: Float.self)) < 1e-4)
        }
        let names = try recorder.commands().map { $0.prefix(2).map { String(decoding: $0, as: UTF8.self) } }
        #expect(names == Array(repeating: [["AI.TENSORSET", "sim.u_init"], ["AI.MODELEXECUTE", "surrogate"], ["AI.TENSORGET", "sim.u_pred"]], count: 2).flatMap { $0 })
        #expect(try client.getTensor("u_pred").shape == [4, 16, 16, 1], "the output stays stored")
    }

    /// All commands go out before any reply is read: when the run fails (no such model) the
    /// server still receives the `AI.TENSORGET` after it, and the error is the run's.
    @Test func theCommandsAreSentAsOnePipeline() throws {
        let server = try Peers.moduleServer()
        let client = try server.client()
        let recorder = try CommandRecorder(server)
        let input = Tensor(shape: [1, 2], scalars: [1, 2] as [Float])
        do throws(ClientError) {
            _ = try client.runModel("missing", putting: [("a", input)], outputs: ["b"])
            Issue.record("a missing model must throw")
        } catch {
            #expect(error.code == .keyNotFound, "\(error)")
            #expect(error.serverReply == "ERR model key is empty")
        }
        let names = try recorder.commands().compactMap { $0.first.map { String(decoding: $0, as: UTF8.self) } }
        #expect(names == ["AI.TENSORSET", "AI.MODELEXECUTE", "AI.TENSORGET"])
        #expect(try client.getTensor("a", as: Float.self).scalars == [1, 2], "the input was stored")
    }
}
