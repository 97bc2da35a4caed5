import Foundation
import ONNX
import RESP
import TandemNN
import TandemONNX
import TandemRedis
import TandemTensor
import Testing
import TandemTesting

/// The ONNX fast path in the database: recognized DiffusionResNets (TandemONNX's,
/// PyTorch's and tf2onnx's exports) run on TandemNN's fused predictor and give the general runtime's
/// numbers; a model that is not recognized still runs on the general runtime.
@Suite(.needsModule) struct FastPathModuleTests {
    /// Puts `input`, runs `model` and gets the output as floats (three commands, as a client does).
    private func roundTrip(_ c: RedisConnection, model: String, input: Tensor) throws -> [Float] {
        let put: [any CommandArgument] = ["AI.TENSORSET", "x", "FLOAT"] + input.shape.map { $0 as any CommandArgument } + ["BLOB", input.bytes]
        try #require(try c.call(put) == .simpleString("OK"))
        let ran = try c.call("AI.MODELEXECUTE", model, "INPUTS", 1, "x", "OUTPUTS", 1, "y")
        try #require(ran == .simpleString("OK"), "\(ran)")
        guard case .bulkString(let bytes) = try c.call("AI.TENSORGET", "y", "BLOB") else { throw TestEnvironmentError("no blob") }
        return bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    private static func randomInput(batch: Int, height: Int, width: Int, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: [batch, height, width, 1], scalars: (0..<batch * height * width).map { _ in Float.random(in: -1...1, using: &generator) })
    }

    /// A DiffusionResNet with random biases and normalisation statistics.
    private static func network(depth: Int, seed: UInt64) -> DiffusionResNet<Float> {
        let model = DiffusionResNet<Float>(depth: depth, seed: seed)
        var generator = SeededGenerator(seed: seed + 1)
        for p in model.parameters where !p.name.hasSuffix(".kernel") {
            let range: ClosedRange<Float> = p.name.hasSuffix("variance") || p.name.hasSuffix("gamma") ? 0.5...1.5 : -0.3...0.3
            p.values = (0..<p.count).map { _ in Float.random(in: range, using: &generator) }
        }
        return model
    }

    /// TandemONNX's export on the fast path (the log says so) equals the general runtime
    /// in process to 1e-5 at batches 1 and 9, with two workers and two threads per run;
    /// wrong inputs get the general runtime's errors.
    @Test func tandemExportRunsOnTheFastPath() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "2", "INTRA_OP_PARALLELISM", "2"])
        let c = try server.connect()
        let onnx = Self.network(depth: 3, seed: 8).onnxModel(height: 24, width: 20)
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", onnx.serialized()) == .simpleString("OK"))
        #expect(server.log.contains("ONNX model on the fast path: DiffusionResNet(depth: 3, channels: 1) on 24x20"))
        #expect(server.log.contains("2 thread(s) per run"))
        let general = try ONNXSession(model: onnx)
        for batch in [1, 9] {
            let input = Self.randomInput(batch: batch, height: 24, width: 20, seed: UInt64(batch))
            let got = try roundTrip(c, model: "m", input: input)
            let expected = try general.run([input])[0].scalars(as: Float.self)
            #expect(got.count == expected.count)
            #expect(maxAbsDifference(got, expected) <= 1e-5)
        }
        #expect(try c.call("AI.TENSORSET", "bad", "FLOAT", 1, 24, 21, 1) == .simpleString("OK"))
        let wrong = try c.call("AI.MODELEXECUTE", "m", "INPUTS", 1, "bad", "OUTPUTS", 1, "y")
        #expect(wrong == .error("Got invalid dimensions for input: input for the following indices index: 2 Got: 21 Expected: 20 Please fix either the inputs or the model."))
        #expect(try c.call("AI.TENSORSET", "ints", "INT32", 1, 24, 20, 1) == .simpleString("OK"))
        let typed = try c.call("AI.MODELEXECUTE", "m", "INPUTS", 1, "ints", "OUTPUTS", 1, "y")
        #expect(typed == .error("ERR Unexpected input data type. Actual: (tensor(int32)) , expected: (tensor(float))"))
    }

    /// PyTorch's export of the same network: at opset 10 equal to the general runtime, at
    /// opset 17 (whose `Pad` amounts the general runtime cannot compute) stored on the fast
    /// path and equal to PyTorch's own output.
    @Test func pytorchExportRunsOnTheFastPath() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        for opset in [10, 17] {
            let export = try TorchONNXExport.make(depth: 2, size: 16, batch: 4, opset: opset)
            let stored = try c.call("AI.MODELSTORE", "torch\(opset)", "ONNX", "CPU", "BLOB", export.model)
            try #require(stored == .simpleString("OK"), "opset \(opset): \(stored)")
            let input = Tensor(shape: export.shape, scalars: export.input)
            let got = try roundTrip(c, model: "torch\(opset)", input: input)
            #expect(maxAbsDifference(got, export.output) <= 1e-4, "opset \(opset) vs PyTorch")
            if opset == 10 {
                let expected = try ONNXSession(serialized: export.model).run([input])[0].scalars(as: Float.self)
                #expect(maxAbsDifference(got, expected) <= 1e-5, "opset 10 vs the general runtime")
            }
        }
        let fast = server.log.components(separatedBy: "ONNX model on the fast path: DiffusionResNet(depth: 2, channels: 1) on 16x16").count - 1
        #expect(fast == 2)
    }

    /// tf2onnx's export of the network built in Keras (the depth-4 64×64 fixture of
    /// TandemONNXTests, one channel): stored on the fast path (the log says so), and
    /// `AI.MODELEXECUTE` gives onnxruntime's output and the general runtime's in process.
    /// onnxruntime 1.32 (1.26 did not) refuses tf2onnx's negative `ConvTranspose` pads, so it runs
    /// the same computation written with `output_padding`.
    @Test func kerasTf2onnxExportRunsOnTheFastPath() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TandemONNXTests/Fixtures/keras-tf2onnx-depth4-64.onnx")
        let bytes = Array(try Data(contentsOf: fixture))
        #expect(try c.call("AI.MODELSTORE", "keras", "ONNX", "CPU", "BLOB", bytes) == .simpleString("OK"))
        #expect(server.log.contains("ONNX model on the fast path: DiffusionResNet(depth: 4, channels: 1) on 64x64"))
        let input = Self.randomInput(batch: 3, height: 64, width: 64, seed: 12)
        let got = try roundTrip(c, model: "keras", input: input)
        let model = try ONNXModel(serialized: bytes)
        let general = try ONNXSession(model: model).run([input])[0].scalars(as: Float.self)
        let scale = max(1, general.map(abs).max() ?? 0)
        #expect(got.count == general.count && maxAbsDifference(got, general) <= 1e-5 * scale, "vs the general runtime")

        let padded = model.withOutputPaddingForNegativePads()
        #expect(padded != model)
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "keras-ort")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(padded.serialized()).write(to: directory.appendingPathComponent("model.onnx"))
        try Data(input.bytes).write(to: directory.appendingPathComponent("input.bin"))
        let script = """
        import sys, numpy as np, onnxruntime as ort
        d = sys.argv[1]
        s = ort.InferenceSession(d + "/model.onnx", providers=["CPUExecutionProvider"])
        x = np.fromfile(d + "/input.bin", dtype=np.float32).reshape(3, 64, 64, 1)
        s.run(None, {s.get_inputs()[0].name: x})[0].astype(np.float32).tofile(d + "/output.bin")
        """
        let result = try TestEnvironment.run(try Peers.python(), ["-c", script, directory.path])
        try #require(result.status == 0, "onnxruntime: \(result.error)")
        let ort = try Data(contentsOf: directory.appendingPathComponent("output.bin")).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(ort.count == got.count && maxAbsDifference(got, ort) <= 1e-4, "vs onnxruntime")
    }

    /// Tiny fast-path runs go inline on the main thread: with the only worker busy on a
    /// long run (about 4 ms per sample × 1000 samples), a batch-1 run of a small
    /// DiffusionResNet still answers while the long run has not finished (its statistics
    /// show no call yet). With `INLINE_RUN_MICROSECONDS 0` the same run waits its turn
    /// behind the long one in the queue, and so does a model stored with `BATCHSIZE`.
    @Test(arguments: [(true, 0), (false, 0), (true, 4)])
    func tinyRunsGoInlineWithinTheBudget(budget: Bool, batchSize: Int) throws {
        let inline = budget && batchSize == 0
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "1"] + (budget ? [] : ["INLINE_RUN_MICROSECONDS", "0"]))
        // The slow run takes seconds idle, and many times that on a loaded machine: the
        // replies that wait for it get a generous timeout.
        let c = try RedisConnection.open(port: server.port, timeoutMilliseconds: 600_000)
        let blob = Self.network(depth: 1, seed: 4).onnxModel(height: 8, width: 8).serialized()
        let store: [any CommandArgument] = ["AI.MODELSTORE", "m", "ONNX", "CPU"] + (batchSize > 0 ? ["BATCHSIZE", batchSize] : []) + ["BLOB", blob]
        #expect(try c.call(store) == .simpleString("OK"))
        #expect(try c.call("AI.MODELSTORE", "slow", "ONNX", "CPU", "BLOB", slowModel()) == .simpleString("OK"))
        let input = Self.randomInput(batch: 1, height: 8, width: 8, seed: 1)
        let first = try roundTrip(c, model: "m", input: input)   // the first runs measure the model
        for _ in 0..<3 { #expect(try roundTrip(c, model: "m", input: input) == first) }
        #expect(try c.call("AI.TENSORSET", "big", "FLOAT", 1000, 1024) == .simpleString("OK"))
        let busy = try RedisConnection.open(port: server.port, timeoutMilliseconds: 600_000)
        try busy.write(RESPEncoder.command(["AI.MODELEXECUTE", "slow", "INPUTS", "1", "big", "OUTPUTS", "1", "out"].map { Array($0.utf8) }))
        // Wait until the slow run is queued: its client is then blocked.
        #expect(try TestEnvironment.waitUntil(seconds: 60) { (try c.call("CLIENT", "LIST").string ?? "").contains("flags=b ") })
        #expect(try roundTrip(c, model: "m", input: input) == first)
        let calls = try #require(try c.call("AI.INFO", "slow").array)
        let index = try #require(calls.firstIndex(of: bulk("calls")))
        #expect(calls[index + 1] == .integer(inline ? 0 : 1), inline ? "the tiny run waited for the worker" : "the tiny run did not queue")
        #expect(try busy.readReply() == .simpleString("OK"))
    }

    /// A graph that is not DiffusionResNet's (one SELU made a ReLU) is stored on the
    /// general runtime and computes what the general runtime computes in process.
    @Test func unrecognizedModelRunsOnTheGeneralRuntime() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        var onnx = Self.network(depth: 2, seed: 3).onnxModel(height: 16, width: 16)
        let selu = try #require(onnx.graph.nodes.firstIndex { $0.opType == "Selu" })
        onnx.graph.nodes[selu].opType = "Relu"
        #expect(try c.call("AI.MODELSTORE", "relu", "ONNX", "CPU", "BLOB", onnx.serialized()) == .simpleString("OK"))
        #expect(server.log.contains("ONNX model on the general runtime (not a DiffusionResNet TandemNN can fuse:"))
        #expect(!server.log.contains("ONNX model on the fast path"))
        let input = Self.randomInput(batch: 3, height: 16, width: 16, seed: 5)
        let got = try roundTrip(c, model: "relu", input: input)
        let expected = try ONNXSession(model: onnx).run([input])[0].scalars(as: Float.self)
        #expect(got.count == expected.count && maxAbsDifference(got, expected) <= 1e-6)
    }
}
