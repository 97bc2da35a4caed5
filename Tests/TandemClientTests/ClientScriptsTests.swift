import Foundation
import Testing
import RESP
import TandemClient
import TandemTensor
import TandemTesting

/// TORCH models and TorchScript scripts through TandemClient, against the module with its
/// TORCH backend: the commands SmartRedis 0.6.1 sends, and outputs equal to PyTorch's.
@Suite struct ClientScriptsTests {
    /// A server that has loaded the TORCH backend.
    private func torchServer() throws -> RedisServer {
        try Peers.moduleServer(["TORCH", try Peers.torchBackend()])
    }

    private func tensor(_ fixture: TorchFixtures.Tensor) throws -> Tensor {
        try Tensor(dtype: try #require(DType(rawValue: fixture.dtype)), shape: fixture.shape, bytes: fixture.bytes)
    }

    private func difference(_ tensor: Tensor, _ expected: TorchFixtures.Tensor) -> Double {
        TorchFixtures.maximumDifference(expected, dtype: tensor.dtype.rawValue, shape: tensor.shape, bytes: tensor.bytes)
    }

    @Test func torchModelThroughTheClientMatchesPyTorch() throws {
        let fixtures = try TorchFixtures.make()
        let server = try torchServer()
        let client = try server.client(commandRetry: RetryPolicy(timeoutMilliseconds: 30_000, intervalMilliseconds: 100),
                                       socketTimeoutMilliseconds: 30_000)
        try client.setModel("cnn", model: try fixtures.file("cnn.pt"), backend: .torch)
        #expect(try client.getModel("cnn") == fixtures.file("cnn.pt"))
        try client.putTensor("x", try tensor(fixtures.inputs["cnn"]![0]))
        try client.runModel("cnn", inputs: ["x"], outputs: ["y"])
        #expect(difference(try client.getTensor("y"), fixtures.outputs["cnn"]![0]) <= 1e-5)

        try client.setModel("multi", model: try fixtures.file("multi.pt"), backend: .torch)
        try client.putTensor("a", try tensor(fixtures.inputs["multi"]![0]))
        try client.putTensor("b", try tensor(fixtures.inputs["multi"]![1]))
        try client.runModel("multi", inputs: ["a", "b"], outputs: ["o1", "o2", "o3"])
        for (k, name) in ["o1", "o2", "o3"].enumerated() {
            #expect(difference(try client.getTensor(name), fixtures.outputs["multi"]![k]) <= 1e-12, "\(name)")
        }
    }

    @Test func scriptsAndFunctionsAsSmartRedisSendsThem() throws {
        let fixtures = try TorchFixtures.make()
        let server = try torchServer()
        let client = try server.client(commandRetry: RetryPolicy(timeoutMilliseconds: 30_000, intervalMilliseconds: 100),
                                       socketTimeoutMilliseconds: 30_000)
        let source = String(decoding: try fixtures.file("script.py"), as: UTF8.self)
        let recorder = try CommandRecorder(server)
        try client.setScript("s1", source: source)
        try client.putTensor("p", try tensor(fixtures.inputs["bar"]![0]))
        try client.putTensor("q", try tensor(fixtures.inputs["bar"]![1]))
        try client.runScript("s1", function: "bar", inputs: ["p", "q"], outputs: ["r"])
        #expect(try client.getScript("s1") == source)
        let commands = try recorder.commands().map { $0.map { String(decoding: $0, as: UTF8.self) } }
        #expect(commands.contains(["AI.SCRIPTSET", "s1", "CPU", "SOURCE", source]))
        #expect(commands.contains(["AI.SCRIPTRUN", "s1", "bar", "INPUTS", "p", "q", "OUTPUTS", "r"]))
        #expect(commands.contains(["AI.SCRIPTGET", "s1", "SOURCE"]))
        #expect(difference(try client.getTensor("r"), fixtures.outputs["bar"]![0]) <= 1e-6)
        try client.runScript("s1", function: "normalize", inputs: ["q"], outputs: ["n"])
        #expect(difference(try client.getTensor("n"), fixtures.outputs["normalize"]![0]) <= 1e-5)

        // One function, then one that raises: its text comes back in the error.
        try client.setFunction("triple", source: "def triple(x):\n    return x * 3\n")
        try client.putTensor("v", [1.5, -2] as [Float], shape: [2])
        try client.runScript("triple", function: "triple", inputs: ["v"], outputs: ["v3"])
        #expect(try client.getTensor("v3", as: Float.self).scalars == [4.5, -6])
        try client.setFunction("check", source: "def check(x):\n    if x.min() < 0:\n        raise ValueError(\"negative values refused\")\n    return x\n")
        let raised = #expect(throws: ClientError.self) { try client.runScript("check", function: "check", inputs: ["v"], outputs: ["w"]) }
        #expect(raised?.message.contains("negative values refused") == true, "\(raised?.message ?? "")")
        #expect(try client.tensorExists("w") == false)

        try client.deleteScript("triple")
        let gone = #expect(throws: ClientError.self) { _ = try client.getScript("triple") }
        #expect(gone?.code == .keyNotFound)
        let bad = #expect(throws: ClientError.self) { try client.setScript("bad", source: "def f(:\n") }
        #expect(bad?.code == .server)
        #expect(throws: ClientError.self) { try client.setScript("", source: source) }
        #expect(throws: ClientError.self) { try client.setScript("x", source: source, device: "TPU") }
    }
}
