import Foundation
import ONNX
import TandemNN
import TandemONNX
import TandemTensor
import Testing
import TandemTesting

/// tf2onnx's export of DiffusionResNet built in Keras (the fixtures in `Fixtures/`, written
/// by `scripts/reference/keras_tf2onnx_export.py`) on the fast path: recognized, and equal
/// to onnxruntime, to the general runtime and to Keras' own output; fixtures changed in one
/// place are refused and run on the general runtime as onnxruntime runs them.
///
/// onnxruntime 1.32 (1.26 did not) refuses the negative `ConvTranspose` pads tf2onnx writes for
/// Keras' 1×1 stride-2 transposed convolutions (one extra output row and column); it gets
/// the same computation written with `output_padding`
/// (`ONNXModel.withOutputPaddingForNegativePads()`).
@Suite struct KerasExportFastPathTests {
    /// The fixtures' folder, beside this file.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) throws -> ONNXModel {
        try ONNXModel(serialized: Array(Data(contentsOf: fixtures.appendingPathComponent(name))))
    }

    static func floats(_ name: String) throws -> [Float] {
        try Data(contentsOf: fixtures.appendingPathComponent(name)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    static func input(batch: Int, size: Int, channels: Int, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let count = batch * size * size * channels
        return Tensor(shape: [batch, size, size, channels], scalars: (0..<count).map { _ in Float.random(in: 0...1, using: &generator) })
    }

    /// Both fixtures are recognized (depth, channels, grid, any batch), and the fast path's
    /// output equals the general runtime's (1e-5 of the output's magnitude) and
    /// onnxruntime's (1e-4) on a batch of 3. The `output_padding` form is recognized too
    /// and gives the same numbers.
    @Test(arguments: [("keras-tf2onnx-depth4-64.onnx", 4, 64, 1), ("keras-tf2onnx-depth2-16-c2.onnx", 2, 16, 2)])
    func fixtureIsRecognizedAndAgrees(name: String, depth: Int, size: Int, channels: Int) throws {
        let model = try Self.fixture(name)
        #expect(model.producerName == "tf2onnx")
        guard case .recognized(let found) = DiffusionResNetRecognizer.recognize(model) else {
            Issue.record("\(name) not recognized: \(DiffusionResNetRecognizer.recognize(model))")
            return
        }
        #expect(found.model.depth == depth && found.model.channels == channels)
        #expect(found.height == size && found.width == size && found.batch == nil)
        #expect(found.inputName == "input")

        let input = Self.input(batch: 3, size: size, channels: channels, seed: UInt64(depth))
        let fast = try FusedSession(network: found, threads: 2).run([input])[0]
        #expect(fast.shape == [3, size, size, channels])
        let fastValues = fast.scalars(as: Float.self)
        let slow = try ONNXSession(model: model).run([input])[0].scalars(as: Float.self)
        let scale = max(1, slow.map(abs).max() ?? 0)
        let generalDifference = maxAbsDifference(fastValues, slow)
        #expect(generalDifference <= 1e-5 * scale, "fast path vs general runtime: \(generalDifference), magnitude \(scale)")

        let rewritten = model.withOutputPaddingForNegativePads()
        #expect(rewritten != model)
        let ort = try ExportFixtures.runInOnnxruntime([(rewritten.serialized(), input)])[0]
        #expect(ort.shape == fast.shape)
        let ortDifference = maxAbsDifference(fastValues, ort.scalars(as: Float.self))
        #expect(ortDifference <= 1e-4, "fast path vs onnxruntime: \(ortDifference)")

        guard case .recognized(let other) = DiffusionResNetRecognizer.recognize(rewritten) else {
            Issue.record("the output_padding form of \(name) is not recognized")
            return
        }
        let again = try FusedSession(network: other, threads: 1).run([input])[0].scalars(as: Float.self)
        #expect(maxAbsDifference(again, fastValues) <= 1e-6)
    }

    /// The two-channel fixture on the fast path and on the general runtime gives Keras' own
    /// output for the input the export script drew (to 1e-4).
    @Test func fastPathGivesKerasOutput() throws {
        let model = try Self.fixture("keras-tf2onnx-depth2-16-c2.onnx")
        let x = try Self.floats("keras-tf2onnx-depth2-16-c2.input.bin")
        let keras = try Self.floats("keras-tf2onnx-depth2-16-c2.output.bin")
        try #require(x.count == 2 * 16 * 16 * 2 && keras.count == x.count)
        let input = Tensor(shape: [2, 16, 16, 2], scalars: x)
        let fused = try #require(FusedSession(model: model, threads: 2))
        let fast = try fused.run([input])[0].scalars(as: Float.self)
        let slow = try ONNXSession(model: model).run([input])[0].scalars(as: Float.self)
        #expect(maxAbsDifference(fast, keras) <= 1e-4, "fast path vs Keras: \(maxAbsDifference(fast, keras))")
        #expect(maxAbsDifference(slow, keras) <= 1e-4, "general runtime vs Keras: \(maxAbsDifference(slow, keras))")
    }

    /// TensorFlow 2.15's tf2onnx output (Keras 2.15, tf2onnx 1.16.1), which keeps
    /// `Transpose` pairs around each SELU and `BatchNormalization` nodes, is not
    /// recognized; the general runtime runs it and gives Keras' output and onnxruntime's.
    @Test func tensorflow215ExportRunsOnTheGeneralRuntime() throws {
        let model = try Self.fixture("keras215-tf2onnx-depth2-16.onnx")
        guard case .notRecognized(let why) = DiffusionResNetRecognizer.recognize(model) else {
            Issue.record("recognized")
            return
        }
        #expect(!why.isEmpty)
        let input = Tensor(shape: [2, 16, 16, 1], scalars: try Self.floats("keras215-tf2onnx-depth2-16.input.bin"))
        let keras = try Self.floats("keras215-tf2onnx-depth2-16.output.bin")
        let slow = try ONNXSession(model: model).run([input])[0].scalars(as: Float.self)
        #expect(slow.count == keras.count && maxAbsDifference(slow, keras) <= 1e-4, "general runtime vs Keras")
        let ort = try ExportFixtures.runInOnnxruntime([(model.withOutputPaddingForNegativePads().serialized(), input)])[0]
        #expect(maxAbsDifference(slow, ort.scalars(as: Float.self)) <= 1e-4, "general runtime vs onnxruntime")
    }

    /// The depth-4 fixture changed in one place is refused (with the reason) and runs on
    /// the general runtime, which computes what onnxruntime computes on it and differs from
    /// the unchanged network: a "same" convolution padded at the start only, a transposed
    /// convolution's separate bias made per column instead of per channel, a SELU made an
    /// ELU, a transposed convolution cropped one row and column too early.
    @Test func changedFixturesAreNotRecognized() throws {
        let model = try Self.fixture("keras-tf2onnx-depth4-64.onnx")
        let input = Self.input(batch: 2, size: 64, channels: 1, seed: 11)
        let reference = try ONNXSession(model: model).run([input])[0].scalars(as: Float.self)

        var shifted = model
        let conv = try #require(shifted.graph.nodes.firstIndex { $0.opType == "Conv" && $0.attribute("pads")?.ints == [1, 1, 1, 1] })
        shifted.graph.nodes[conv].attributes = shifted.graph.nodes[conv].attributes.map { attribute in
            attribute.name == "pads" ? ONNXAttribute(name: "pads", .ints([2, 2, 0, 0])) : attribute
        }

        var perColumn = model   // the bias [1, 1, 1, 1] of a ConvTranspose's Add becomes [1, 1, 1, W]
        let biasAdd = try #require(perColumn.graph.nodes.first { node in
            node.opType == "Add" && perColumn.graph.initializers.contains { $0.name == node.inputs[1] }
                && perColumn.graph.nodes.contains { $0.opType == "ConvTranspose" && $0.outputs[0] == node.inputs[0] }
        })
        let biasIndex = try #require(perColumn.graph.initializers.firstIndex { $0.name == biasAdd.inputs[1] })
        let bias = try perColumn.graph.initializers[biasIndex].floats()
        try #require(bias.count == 1)
        let width = 64   // every separate bias is in the last decoder block, on the 64×64 grid
        perColumn.graph.initializers[biasIndex] = ONNXTensor(name: biasAdd.inputs[1], dims: [1, 1, 1, Int64(width)],
                                                             floats: (0..<width).map { bias[0] + Float($0) / 64 })

        var elu = model
        let selu = try #require(elu.graph.nodes.firstIndex { $0.opType == "Selu" })
        elu.graph.nodes[selu].opType = "Elu"

        var early = model   // a 1×1 stride-2 ConvTranspose's extra row and column at the start
        let transposed = try #require(early.graph.nodes.firstIndex { $0.opType == "ConvTranspose" && $0.attribute("pads")?.ints == [0, 0, -1, -1] })
        early.graph.nodes[transposed].attributes = early.graph.nodes[transposed].attributes.map { attribute in
            attribute.name == "pads" ? ONNXAttribute(name: "pads", .ints([-1, -1, 0, 0])) : attribute
        }

        let cases = [("pads", shifted, "pad"), ("bias", perColumn, "Add"), ("elu", elu, "Elu"), ("crop", early, "land")]
        var general: [String: [Float]] = [:]
        for (label, changed, reason) in cases {
            general[label] = try expectRefusedButRun(label, changed, reason: reason, input: input, unlike: reference)
        }
        // onnxruntime runs those it accepts (it refuses the leading negative pads of "crop").
        let checked = cases.filter { $0.0 != "crop" }
        let ort = try ExportFixtures.runInOnnxruntime(checked.map { ($0.1.withOutputPaddingForNegativePads().serialized(), input) })
        for ((label, _, _), theirs) in zip(checked, ort) {
            guard let mine = general[label] else { continue }
            let difference = maxAbsDifference(mine, theirs.scalars(as: Float.self))
            #expect(difference <= 1e-4, "\(label): general runtime vs onnxruntime \(difference)")
        }
    }
}
