import Foundation
import ONNX
import TandemNN
import TandemONNX
import TandemTensor
import Testing
import TandemTesting

/// ONNX export of DiffusionResNet: the exported graphs pass `onnx.checker`, run in
/// onnxruntime and agree with TandemNN's own inference.
@Suite struct ONNXExportTests {
    @Test func exportedGraphsHaveTheStatedInterface() throws {
        let model = ExportFixtures.network(depth: 2, seed: 1)
        let onnx = model.onnxModel(height: 32, width: 32)
        #expect(onnx.defaultOpsetVersion == ONNXGraphBuilder.opsetVersion)
        #expect(onnx.graph.inputs == [ONNXValueInfo(name: "input", elementType: .float, shape: [.parameter("N"), .value(32), .value(32), .value(1)])])
        #expect(onnx.graph.outputs.map(\.name) == ["output"])
        let ops = Set(onnx.graph.nodes.map(\.opType))
        #expect(ops == ["Transpose", "Conv", "ConvTranspose", "BatchNormalization", "Selu", "Add"])
        // Every parameter of the network is an initializer (BN's four, the convolutions' two).
        let values = onnx.graph.initializers.reduce(0) { $0 + (try! $1.elementCount()) }
        #expect(values == model.parameterCount.total)
        #expect(try ONNXModel(serialized: onnx.serialized()) == onnx)
    }

    /// Depths 1–6 at sizes 32 and 64, batches 1 and 7: onnxruntime's output equals
    /// TandemNN's (Predictor) to 1e-4. One Python process runs all 24 cases.
    @Test func onnxruntimeAgreesWithTandemNN() throws {
        let cases = ExportFixtures.sweep()
        let results = try ExportFixtures.runInOnnxruntime(cases)
        #expect(results.count == cases.count)
        var worst: Float = 0
        for (sample, ort) in zip(cases, results) {
            let expected = try sample.expected()
            #expect(ort.shape == sample.input.shape, "\(sample.label)")
            let difference = maxAbsDifference(ort.scalars(as: Float.self), expected.scalars(as: Float.self))
            #expect(difference < 1e-4, "\(sample.label): max abs difference \(difference)")
            worst = max(worst, difference)
        }
        print("onnxruntime vs TandemNN, \(cases.count) cases: worst max abs difference \(worst)")
    }
}

/// Networks, inputs and the onnxruntime peer shared by the export and runtime tests.
enum ExportFixtures {
    /// A DiffusionResNet with random weights, biases and batch-normalisation statistics
    /// (defaults would make BN the identity and leave it untested).
    static func network(depth: Int, seed: UInt64) -> DiffusionResNet<Float> {
        let model = DiffusionResNet<Float>(depth: depth, channels: 1, seed: seed)
        var generator = SeededGenerator(seed: seed &+ 1000)
        for parameter in model.parameters {
            let name = parameter.name
            let range: ClosedRange<Float> =
                name.hasSuffix(".gamma") ? 0.5...1.5 : name.hasSuffix(".moving_variance") ? 0.5...2
                : -0.3...0.3
            if name.hasSuffix(".kernel") {
                // Keep Glorot's scale, perturbed, so activations stay of order one.
                parameter.values = parameter.values.map { $0 * Float.random(in: 0.8...1.2, using: &generator) }
            } else {
                parameter.values = (0..<parameter.count).map { _ in Float.random(in: range, using: &generator) }
            }
        }
        return model
    }

    /// A random NHWC input.
    static func input(batch: Int, size: Int, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let values = (0..<batch * size * size).map { _ in Float.random(in: -1...1, using: &generator) }
        return Tensor(shape: [batch, size, size, 1], scalars: values)
    }

    struct Case {
        let label: String
        let depth: Int
        let size: Int
        let model: DiffusionResNet<Float>
        let input: Tensor
        var bytes: [UInt8] { model.onnxModel(height: size, width: size).serialized() }
        func expected() throws -> Tensor { try Predictor(model: model, threads: 1).predict(input) }
    }

    /// Depths 1–6 × sizes 32, 64 × batches 1, 7.
    static func sweep() -> [Case] {
        var cases: [Case] = []
        for depth in 1...6 {
            for size in [32, 64] {
                let model = network(depth: depth, seed: UInt64(depth * 100 + size))
                for batch in [1, 7] {
                    cases.append(Case(label: "depth \(depth) size \(size) batch \(batch)", depth: depth, size: size,
                                      model: model, input: input(batch: batch, size: size, seed: UInt64(depth * 7 + size + batch))))
                }
            }
        }
        return cases
    }

    /// Runs every case's exported model in onnxruntime (one Python process) and returns the outputs.
    static func runInOnnxruntime(_ cases: [Case]) throws -> [Tensor] {
        try runInOnnxruntime(cases.map { ($0.bytes, $0.input) })
    }

    /// Runs ONNX models (bytes) on float32 inputs in onnxruntime, one Python process for all.
    static func runInOnnxruntime(_ runs: [(model: [UInt8], input: Tensor)]) throws -> [Tensor] {
        let python = try Peers.python()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "onnx-export")
        defer { try? FileManager.default.removeItem(at: directory) }
        var manifest = ""
        var written: [[UInt8]: String] = [:]
        for (i, run) in runs.enumerated() {
            let modelPath: String
            if let path = written[run.model] { modelPath = path } else {
                modelPath = directory.appendingPathComponent("model\(i).onnx").path
                try Data(run.model).write(to: URL(fileURLWithPath: modelPath))
                written[run.model] = modelPath
            }
            let inputPath = directory.appendingPathComponent("in\(i).bin").path
            try Data(run.input.bytes).write(to: URL(fileURLWithPath: inputPath))
            let shape = run.input.shape.map(String.init).joined(separator: ",")
            manifest += "\(modelPath) \(inputPath) \(shape) \(directory.appendingPathComponent("out\(i).bin").path)\n"
        }
        let manifestPath = directory.appendingPathComponent("manifest.txt").path
        try manifest.write(toFile: manifestPath, atomically: true, encoding: .utf8)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python/ort_run.py").path
        let result = try TestEnvironment.run(python, [script, manifestPath])
        guard result.status == 0 else { throw TestEnvironmentError("ort_run.py failed: \(result.error)") }
        return try result.output.split(separator: "\n").map { line in
            let parts = line.split(separator: " ")
            let shape = parts[1].split(separator: ",").compactMap { Int($0) }
            let data = try Data(contentsOf: URL(fileURLWithPath: String(parts[0])))
            let scalars = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            return Tensor(shape: shape, scalars: scalars)
        }
    }
}
