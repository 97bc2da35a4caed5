import Foundation
import ONNX
import TandemONNX
import TandemTensor
import Testing
import TandemTesting

/// Networks exported by PyTorch's exporter (an MLP, a small U-Net, a transformer encoder
/// block, at several opsets, dynamic batch) run by the Swift runtime against onnxruntime;
/// and graphs with malformed integer tensors (shapes, indices, sizes) refused with errors.
@Suite struct ExportedNetworkRuntimeTests {
    struct Run {
        let name: String
        let batch: Int
        let inShape: [Int]
        let outShape: [Int]
    }

    /// Exports the networks of `exported_networks.py` into `directory` and lists its runs.
    static func export(into directory: URL) throws -> [Run] {
        let python = try Peers.python()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python/exported_networks.py").path
        let result = try TestEnvironment.run(python, [script, directory.path])
        try #require(result.status == 0, "\(result.error)")
        return result.output.split(separator: "\n").map { line in
            let parts = line.split(separator: " ").map(String.init)
            return Run(name: parts[0], batch: Int(parts[1]) ?? 0, inShape: parts[2].split(separator: ",").compactMap { Int($0) },
                       outShape: parts[3].split(separator: ",").compactMap { Int($0) })
        }
    }

    static func floats(_ url: URL) throws -> [Float] {
        try Data(contentsOf: url).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    /// Every network at every opset and batch (1, 3, 5; one session per model, so models
    /// that compute shapes are planned for each batch) equals onnxruntime to 1e-4.
    @Test func exportedNetworksAgreeWithOnnxruntime() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "onnx-nets")
        defer { try? FileManager.default.removeItem(at: directory) }
        let runs = try Self.export(into: directory)
        #expect(runs.count == 27)
        var sessions: [String: ONNXSession] = [:]
        var worst: Float = 0
        for run in runs {
            let base = directory.appendingPathComponent(run.name)
            do {
                if sessions[run.name] == nil {
                    sessions[run.name] = try ONNXSession(serialized: [UInt8](Data(contentsOf: base.appendingPathExtension("onnx"))))
                }
                let input = Tensor(shape: run.inShape, scalars: try Self.floats(base.appendingPathExtension("\(run.batch).in")))
                let output = try #require(try sessions[run.name]!.run([input]).first)
                #expect(output.shape == run.outShape, "\(run.name) batch \(run.batch)")
                let difference = maxAbsDifference(output.scalars(as: Float.self), try Self.floats(base.appendingPathExtension("\(run.batch).out")))
                #expect(difference < 1e-4, "\(run.name) batch \(run.batch): max abs difference \(difference)")
                worst = max(worst, difference)
            } catch {
                Issue.record("\(run.name) batch \(run.batch): \(error)")
            }
        }
        print("exported networks vs onnxruntime, \(runs.count) runs: worst max abs difference \(worst)")
        // Time per run at batch 5 (a figure, not a check: the machine may be loaded).
        for run in runs where run.batch == 5 {
            guard let session = sessions[run.name] else { continue }
            let input = Tensor(shape: run.inShape, scalars: try Self.floats(directory.appendingPathComponent("\(run.name).5.in")))
            let clock = ContinuousClock()
            let elapsed = try clock.measure { for _ in 0..<50 { _ = try session.run([input]) } }
            print("\(run.name) batch 5: \(elapsed / 50) per run")
        }
    }

    /// A model that computes shapes, run from several threads at once at different batch
    /// sizes (more than the plans kept), gives what it gives alone.
    @Test func shapeComputingModelRunsConcurrentlyAtManyBatchSizes() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "onnx-nets")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try Self.export(into: directory)
        let session = try ONNXSession(serialized: [UInt8](Data(contentsOf: directory.appendingPathComponent("block17.onnx"))))
        var generator = SeededGenerator(seed: 5)
        let inputs = (1...12).map { batch in
            Tensor(shape: [batch, 6, 16], scalars: (0..<batch * 96).map { _ in Float.random(in: -1...1, using: &generator) })
        }
        let clock = ContinuousClock()
        var firstRuns: [[Float]] = []
        let planning = try clock.measure {
            firstRuns = try inputs.map { try session.run([$0])[0].scalars(as: Float.self) }
        }
        let expected = firstRuns
        let cached = try clock.measure { _ = try session.run([inputs[11]]) }
        // Figures, not checks: the first run at each batch size plans it.
        print("block17: first runs at 12 batch sizes \(planning / 12) each (planning included); a planned batch size \(cached)")
        // Each sample alone gives the same numbers as in its batch (the batch does not leak into the result).
        let single = try session.run([Tensor(shape: [1, 6, 16], scalars: Array(inputs[4].scalars(as: Float.self).prefix(96)))])[0]
        #expect(maxAbsDifference(single.scalars(as: Float.self), Array(expected[4].prefix(96))) < 1e-5)
        nonisolated(unsafe) var differences = [Float](repeating: 1, count: 24)
        DispatchQueue.concurrentPerform(iterations: 24) { i in
            let result = try? session.run([inputs[i % 12]])[0].scalars(as: Float.self)
            differences[i] = result.map { maxAbsDifference($0, expected[i % 12]) } ?? 1
        }
        #expect(differences.allSatisfy { $0 == 0 }, "\(differences)")
    }

    /// The exported block and U-Net with their integer constants (shapes, axes, indices,
    /// split sizes, slice bounds) replaced by extreme or wrong values, and their bytes
    /// flipped: each is refused or runs, never crashes.
    @Test func corruptedExportsAreRefusedWithoutCrashing() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "onnx-nets")
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try Self.export(into: directory)
        var generator = SeededGenerator(seed: 17)
        let extremes: [Int64] = [-1, 0, 1, 2, 3, 7, -7, 1 << 20, -(1 << 40), 1 << 40, .max, .min]
        var refused = 0, ran = 0
        for name in ["block14", "block17", "unet11"] {
            let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent("\(name).onnx")))
            let original = try ONNXModel(serialized: bytes)
            let input = name.hasPrefix("block") ? Tensor(shape: [2, 6, 16], scalars: [Float](repeating: 0.5, count: 192))
                : Tensor(shape: [2, 2, 16, 16], scalars: [Float](repeating: 0.5, count: 1024))
            for trial in 0..<150 {
                var model = original
                if trial % 3 == 2 {
                    var blob = bytes
                    for _ in 0..<Int.random(in: 1...6, using: &generator) {
                        blob[Int.random(in: 0..<blob.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                    }
                    guard let decoded = try? ONNXModel(serialized: blob) else { refused += 1; continue }
                    model = decoded
                } else {
                    // Replace the values of one or two integer constants.
                    for _ in 0..<Int.random(in: 1...2, using: &generator) {
                        let candidates = model.graph.nodes.indices.filter { i in
                            model.graph.nodes[i].opType == "Constant" && model.graph.nodes[i].attribute("value")?.tensor?.dataType == .int64
                        }
                        guard let i = candidates.randomElement(using: &generator),
                              let tensor = model.graph.nodes[i].attribute("value")?.tensor else { continue }
                        let count = (try? tensor.elementCount()) ?? 1
                        let values = (0..<max(count, 1)).map { _ in extremes.randomElement(using: &generator)! }
                        let dims = Bool.random(using: &generator) ? tensor.dims : [Int64(values.count)]
                        model.graph.nodes[i].attributes = [ONNXAttribute(name: "value", .tensor(ONNXTensor(name: "", dims: dims, int64s: values)))]
                    }
                }
                do {
                    let session = try ONNXSession(model: model)
                    _ = try session.run([input])
                    ran += 1
                } catch {
                    refused += 1
                }
            }
        }
        #expect(refused > 150)
        print("corrupted exports: \(refused) refused, \(ran) ran")
    }

    // MARK: - Malformed integer tensors

    static func model(_ nodes: [ONNXNode], _ initializers: [ONNXTensor] = [], input: [ONNXValueInfo.Dimension] = [.parameter("N"), .value(4)],
                      opset: Int64 = 17) -> [UInt8] {
        ONNXModel(opsetImports: [.init(version: opset)], graph: ONNXGraph(
            name: "g", nodes: nodes, initializers: initializers,
            inputs: [ONNXValueInfo(name: "x", elementType: .float, shape: input)],
            outputs: [ONNXValueInfo(name: "y", elementType: .float, shape: nil)])).serialized()
    }

    static func ints(_ name: String, _ values: [Int64], dims: [Int64]? = nil) -> ONNXTensor {
        ONNXTensor(name: name, dims: dims ?? [Int64(values.count)], int64s: values)
    }

    /// The error a model gets, when planned and then run on a [2, 4] input ("ran" if none).
    static func outcome(_ bytes: [UInt8]) -> String {
        do {
            let session = try ONNXSession(serialized: bytes)
            _ = try session.run([Tensor(shape: [2, 4], scalars: [Float](repeating: 1, count: 8))])
            return "ran"
        } catch {
            return "\(error)"
        }
    }

    @Test func malformedIntegerTensorsAreErrors() throws {
        let n = { (op: String, inputs: [String], attributes: [ONNXAttribute]) in ONNXNode(opType: op, inputs: inputs, outputs: ["y"], attributes: attributes) }
        let ones = ONNXAttribute(name: "value", .tensor(ONNXTensor(name: "", dims: [1], floats: [1])))
        // Negative and huge dims in ConstantOfShape, fed from constants or from the input's shape.
        #expect(Self.outcome(Self.model([ONNXNode(opType: "ConstantOfShape", inputs: ["s"], outputs: ["c"], attributes: [ones]),
                                         n("Add", ["x", "c"], [])], [Self.ints("s", [2, -4])])).contains("negative dimension"))
        #expect(Self.outcome(Self.model([ONNXNode(opType: "ConstantOfShape", inputs: ["s"], outputs: ["c"], attributes: [ones]),
                                         n("Add", ["x", "c"], [])], [Self.ints("s", [1 << 31, 1 << 31, 1 << 31])])).contains("too large"))
        #expect(Self.outcome(Self.model([ONNXNode(opType: "Shape", inputs: ["x"], outputs: ["s"]),
                                         ONNXNode(opType: "Mul", inputs: ["s", "k"], outputs: ["big"]),
                                         ONNXNode(opType: "ConstantOfShape", inputs: ["big"], outputs: ["c"], attributes: [ones]),
                                         n("Add", ["x", "c"], [])], [Self.ints("k", [1 << 40, 1 << 40])])).contains("too large"))
        // Reshape to a computed shape that does not fit, or with a negative size.
        #expect(Self.outcome(Self.model([ONNXNode(opType: "Shape", inputs: ["x"], outputs: ["s"]),
                                         ONNXNode(opType: "Add", inputs: ["s", "k"], outputs: ["t"]),
                                         n("Reshape", ["x", "t"], [])], [Self.ints("k", [1, 0])])).contains("cannot reshape"))
        #expect(Self.outcome(Self.model([n("Reshape", ["x", "s"], [])], [Self.ints("s", [-2, -4])])).contains("has -2"))
        // Expand, Tile and Resize to negative or huge sizes.
        #expect(Self.outcome(Self.model([n("Expand", ["x", "s"], [])], [Self.ints("s", [-1, 4])])).contains("negative"))
        #expect(Self.outcome(Self.model([n("Expand", ["x", "s"], [])], [Self.ints("s", [1 << 20, 1 << 20, 4])])).contains("too large"))
        #expect(Self.outcome(Self.model([n("Tile", ["x", "r"], [])], [Self.ints("r", [1 << 40, 1 << 40])])).contains("too large"))
        #expect(Self.outcome(Self.model([n("Resize", ["x", "", "", "s"], [])], [Self.ints("s", [2, 1 << 40])])).contains("too large"))
        // Gather indices out of range, from constants or from the shape.
        #expect(Self.outcome(Self.model([n("Gather", ["x", "i"], [ONNXAttribute(name: "axis", .int(1))])], [Self.ints("i", [0, 4])])).contains("out of range"))
        #expect(Self.outcome(Self.model([ONNXNode(opType: "Shape", inputs: ["x"], outputs: ["s"]),
                                         ONNXNode(opType: "Gather", inputs: ["s", "i"], outputs: ["d"]),
                                         n("Reshape", ["x", "d"], [])], [Self.ints("i", [7])])).contains("out of range"))
        // Range with a zero step or a huge count, integer division by zero.
        let scalar = { (name: String, v: Int64) in ONNXTensor(name: name, dims: [], int64s: [v]) }
        #expect(Self.outcome(Self.model([ONNXNode(opType: "Range", inputs: ["a", "b", "c"], outputs: ["r"]), n("Reshape", ["x", "r"], [])],
                                        [scalar("a", 0), scalar("b", 5), scalar("c", 0)])).contains("delta"))
        #expect(Self.outcome(Self.model([ONNXNode(opType: "Range", inputs: ["a", "b", "c"], outputs: ["r"]), n("Reshape", ["x", "r"], [])],
                                        [scalar("a", 0), scalar("b", 1 << 50), scalar("c", 1)])).contains("too large"))
        #expect(Self.outcome(Self.model([ONNXNode(opType: "Shape", inputs: ["x"], outputs: ["s"]),
                                         ONNXNode(opType: "Div", inputs: ["s", "z"], outputs: ["q"]),
                                         n("Reshape", ["x", "q"], [])], [Self.ints("z", [0, 1])])).contains("division by zero"))
        // Integers computed from tensor data cannot be known when planning.
        #expect(Self.outcome(Self.model([ONNXNode(opType: "Cast", inputs: ["x"], outputs: ["c"], attributes: [ONNXAttribute(name: "to", .int(7))]),
                                         ONNXNode(opType: "Shape", inputs: ["c"], outputs: ["s"]),
                                         n("Reshape", ["x", "s"], [])])).contains("Cast of tensor data"))
        #expect(Self.outcome(Self.model([ONNXNode(opType: "ConstantOfShape", inputs: ["x"], outputs: ["c"]), n("Add", ["x", "c"], [])]))
            .contains("ConstantOfShape of tensor data"))
        // Dims in initializers out of range, and data that does not match them.
        #expect(Self.outcome(Self.model([n("Reshape", ["x", "s"], [])], [ONNXTensor(name: "s", dims: [-3], int64s: [])])).contains("dimension -3"))
        #expect(Self.outcome(Self.model([n("Reshape", ["x", "s"], [])], [ONNXTensor(name: "s", dims: [3], int64s: [2, 4])])).contains("holds 2 elements"))
        // And a good one runs: the shape arithmetic of x.reshape(x.shape[0], 2, -1).
        #expect(Self.outcome(Self.model([ONNXNode(opType: "Shape", inputs: ["x"], outputs: ["s"]),
                                         ONNXNode(opType: "Slice", inputs: ["s", "a", "b"], outputs: ["n"]),
                                         ONNXNode(opType: "Concat", inputs: ["n", "rest"], outputs: ["t"], attributes: [ONNXAttribute(name: "axis", .int(0))]),
                                         n("Reshape", ["x", "t"], [])], [Self.ints("a", [0]), Self.ints("b", [1]), Self.ints("rest", [2, -1])])) == "ran")
    }

    /// Unsupported operators are named even in models planned per input shape.
    @Test func unsupportedOperatorsAreNamedInShapeComputingModels() {
        let bytes = Self.model([ONNXNode(opType: "Shape", inputs: ["x"], outputs: ["s"]),
                                ONNXNode(opType: "NonZero", inputs: ["x"], outputs: ["z"]),
                                ONNXNode(opType: "Reshape", inputs: ["x", "s"], outputs: ["y"])], input: [.parameter("N"), .parameter("M")])
        #expect(Self.outcome(bytes).contains("operator NonZero"))
    }
}
