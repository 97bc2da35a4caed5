import ONNX
import TandemNN
import TandemONNX
import TandemTensor
import Testing
import TandemTesting

/// The fast path: ``DiffusionResNetRecognizer`` maps TandemONNX's and PyTorch's exports of
/// DiffusionResNet onto TandemNN, and ``FusedSession`` then computes what the general
/// runtime (``ONNXSession``) computes on the same graph; perturbed graphs are refused and
/// stay on the general runtime.
@Suite struct FastPathTests {
    /// TandemONNX's export at several depths and grids (odd and non-square ones too): the
    /// recognized network's weights are the exported model's, and the fast path's output
    /// equals the general runtime's to 1e-5.
    @Test(arguments: [(1, 16, 16), (2, 25, 19), (4, 64, 64)])
    func tandemExportIsRecognizedAndAgrees(depth: Int, height: Int, width: Int) throws {
        let network = ExportFixtures.network(depth: depth, seed: UInt64(depth * 31 + height))
        let model = network.onnxModel(height: height, width: width)
        guard case .recognized(let found) = DiffusionResNetRecognizer.recognize(model) else {
            Issue.record("not recognized: \(DiffusionResNetRecognizer.recognize(model))")
            return
        }
        #expect(found.model.depth == depth && found.model.channels == 1)
        #expect(found.height == height && found.width == width && found.batch == nil)
        for (mine, theirs) in zip(found.model.parameters, network.parameters) {
            #expect(maxAbsDifference(mine.values, theirs.values) <= 1e-6, "\(theirs.name)")
        }
        let input = Self.input(batch: 5, height: height, width: width, seed: UInt64(depth))
        let fused = try #require(FusedSession(model: model, threads: 2))
        let general = try ONNXSession(model: model)
        let fast = try fused.run([input])[0], slow = try general.run([input])[0]
        #expect(fast.shape == slow.shape)
        // Equal to float rounding: 1e-5 relative to the output's magnitude (a few units here).
        let expected = slow.scalars(as: Float.self)
        let scale = max(1, expected.map(abs).max() ?? 0)
        let difference = maxAbsDifference(fast.scalars(as: Float.self), expected)
        #expect(difference <= 1e-5 * scale, "max abs difference \(difference), output magnitude \(scale)")
    }

    /// PyTorch's export of the same network, at opset 10 (`Pad` with attributes; the
    /// general runtime runs it too) and at opset 17 (`Pad` amounts computed by a chain of
    /// integer operators): recognized, and equal to the general runtime where it runs and
    /// to PyTorch's own output.
    @Test(arguments: [10, 17])
    func pytorchExportIsRecognizedAndAgrees(opset: Int) throws {
        let export = try TorchONNXExport.make(depth: 3, size: 20, batch: 3, opset: opset)
        let model = try ONNXModel(serialized: export.model)
        let outcome = DiffusionResNetRecognizer.recognize(model)
        guard case .recognized(let found) = outcome else {
            Issue.record("not recognized: \(outcome)")
            return
        }
        #expect(found.model.depth == 3 && found.height == 20 && found.width == 20)
        let fused = FusedSession(network: found, threads: 2)
        let input = Tensor(shape: export.shape, scalars: export.input)
        let fast = try fused.run([input])[0].scalars(as: Float.self)
        let torchDifference = maxAbsDifference(fast, export.output)
        #expect(torchDifference <= 1e-4, "fast path vs PyTorch: \(torchDifference)")
        if opset == 10 {
            let slow = try ONNXSession(model: model).run([input])[0].scalars(as: Float.self)
            let difference = maxAbsDifference(fast, slow)
            #expect(difference <= 1e-5, "fast path vs general runtime: \(difference)")
        }
    }

    /// Graphs that differ from DiffusionResNet in one operator, one attribute or one
    /// padding are not recognized (with the reason), and the general runtime still runs
    /// them, differently from the unperturbed network.
    @Test func perturbedGraphsAreNotRecognized() throws {
        let network = ExportFixtures.network(depth: 2, seed: 5)
        let model = network.onnxModel(height: 16, width: 16)
        let input = Self.input(batch: 2, height: 16, width: 16, seed: 9)
        let reference = try ONNXSession(model: model).run([input])[0].scalars(as: Float.self)

        var relu = model   // one SELU becomes a ReLU
        let selu = try #require(relu.graph.nodes.firstIndex { $0.opType == "Selu" })
        relu.graph.nodes[selu].opType = "Relu"
        var shifted = model   // the first convolution pads at the start instead of the end
        let conv = try #require(shifted.graph.nodes.firstIndex { $0.opType == "Conv" && $0.attribute("pads")?.ints == [0, 0, 1, 1] })
        shifted.graph.nodes[conv].attributes = shifted.graph.nodes[conv].attributes.map { attribute in
            attribute.name == "pads" ? ONNXAttribute(name: "pads", .ints([1, 1, 0, 0])) : attribute
        }
        var subtract = model   // the last join subtracts
        let add = try #require(subtract.graph.nodes.lastIndex { $0.opType == "Add" })
        subtract.graph.nodes[add].opType = "Sub"

        for (label, perturbed, reason) in [("relu", relu, "Relu"), ("pads", shifted, "pad"), ("sub", subtract, "Sub")] {
            _ = try expectRefusedButRun(label, perturbed, reason: reason, input: input, unlike: reference)
        }
    }

    /// Randomly mutated graphs (attribute values, operator types, rewired inputs, huge
    /// numbers) of TandemONNX's export and of tf2onnx's (the two-channel Keras fixture):
    /// the recognizer answers without trapping, and every mutant it still recognizes
    /// computes what the general runtime computes on it.
    @Test(arguments: ["tandem", "keras-tf2onnx"])
    func mutatedGraphsNeverTrapAndRecognizedOnesAgree(producer: String) throws {
        let model: ONNXModel, input: Tensor
        if producer == "tandem" {
            model = ExportFixtures.network(depth: 2, seed: 6).onnxModel(height: 8, width: 8)
            input = Self.input(batch: 2, height: 8, width: 8, seed: 3)
        } else {
            model = try KerasExportFastPathTests.fixture("keras-tf2onnx-depth2-16-c2.onnx")
            input = KerasExportFastPathTests.input(batch: 2, size: 16, channels: 2, seed: 3)
        }
        var generator = SeededGenerator(seed: 77)
        let numbers: [Int64] = [-1, 0, 1, 2, 3, 4, 1 << 20, Int64.max, Int64.min]
        let ops = ["Relu", "Selu", "Elu", "Add", "Sub", "Mul", "Conv", "ConvTranspose", "Identity", "Slice", "Pad", "Transpose", "Reshape"]
        var recognized = 0
        for _ in 0..<400 {
            var mutant = model
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let n = Int.random(in: 0..<mutant.graph.nodes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0 where !mutant.graph.nodes[n].attributes.isEmpty:
                    let a = Int.random(in: 0..<mutant.graph.nodes[n].attributes.count, using: &generator)
                    if let ints = mutant.graph.nodes[n].attributes[a].ints, !ints.isEmpty {
                        var changed = ints
                        changed[Int.random(in: 0..<ints.count, using: &generator)] = numbers.randomElement(using: &generator)!
                        mutant.graph.nodes[n].attributes[a].value = .ints(changed)
                    } else {
                        mutant.graph.nodes[n].attributes[a].value = .float(Float.random(in: -2...2, using: &generator))
                    }
                case 1: mutant.graph.nodes[n].opType = ops.randomElement(using: &generator)!
                case 2:
                    let other = mutant.graph.nodes.randomElement(using: &generator)!.outputs[0]
                    mutant.graph.nodes[n].inputs[0] = other
                default:
                    mutant.graph.nodes[n].attributes.append(ONNXAttribute(name: "pads", .ints([0, 0, Int64.max, 1])))
                }
            }
            guard case .recognized(let network) = DiffusionResNetRecognizer.recognize(mutant) else { continue }
            recognized += 1
            guard let general = try? ONNXSession(model: mutant), let slow = try? general.run([input])[0] else { continue }
            let fast = try FusedSession(network: network, threads: 1).run([input])[0]
            #expect(maxAbsDifference(fast.scalars(as: Float.self), slow.scalars(as: Float.self)) <= 1e-4)
        }
        print("mutated graphs of the \(producer) export still recognized: \(recognized) of 400")
    }

    /// The fast path refuses what the general runtime refuses, with the same messages.
    @Test func inputErrorsMatchTheGeneralRuntime() throws {
        let model = ExportFixtures.network(depth: 1, seed: 2).onnxModel(height: 8, width: 8)
        let fused = try #require(FusedSession(model: model, threads: 1))
        let general = try ONNXSession(model: model)
        let bad = [Tensor(shape: [1, 8, 9, 1], scalars: [Float](repeating: 0, count: 72)),
                   Tensor(shape: [8, 8, 1], scalars: [Float](repeating: 0, count: 64)),
                   Tensor(shape: [1, 8, 8, 1], scalars: [Double](repeating: 0, count: 64))]
        for tensor in bad {
            var fastError = "", slowError = ""
            do { _ = try fused.run([tensor]) } catch { fastError = error.description }
            do { _ = try general.run([tensor]) } catch { slowError = error.description }
            #expect(!fastError.isEmpty && fastError == slowError)
        }
    }

    static func input(batch: Int, height: Int, width: Int, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor(shape: [batch, height, width, 1], scalars: (0..<batch * height * width).map { _ in Float.random(in: -1...1, using: &generator) })
    }
}

/// Expects the fast path to refuse `model` (a changed DiffusionResNet) with a reason that
/// contains `reason`, and the general runtime to run it on `input` to an output that differs
/// from the unchanged network's `reference`.
///
/// - Returns: the general runtime's output, or `nil` when the fast path recognized the model.
func expectRefusedButRun(_ label: String, _ model: ONNXModel, reason: String, input: Tensor, unlike reference: [Float]) throws -> [Float]? {
    guard case .notRecognized(let why) = DiffusionResNetRecognizer.recognize(model) else {
        Issue.record("\(label): recognized")
        return nil
    }
    #expect(why.contains(reason), "\(label): \(why)")
    #expect(FusedSession(model: model) == nil)
    let output = try ONNXSession(model: model).run([input])[0].scalars(as: Float.self)
    #expect(output.count == reference.count && maxAbsDifference(output, reference) > 1e-3, "\(label) computes the same")
    return output
}
