import Foundation
import ONNX
import TandemNN
import TandemONNX
import TandemTensor
import Testing
import TandemTesting

/// The Swift ONNX runtime against onnxruntime: on TandemNN's exported models and on one
/// small model per supported operator built with the Python `onnx` package.
@Suite struct ONNXRuntimeTests {
    /// Depths 1–6 at sizes 32 and 64, batches 1 and 7: the runtime equals onnxruntime to 1e-4.
    @Test func runtimeAgreesWithOnnxruntimeOnExportedModels() throws {
        let cases = ExportFixtures.sweep()
        let references = try ExportFixtures.runInOnnxruntime(cases)
        var worst: Float = 0
        var sessions: [Int: ONNXSession] = [:]
        for (index, (sample, reference)) in zip(cases, references).enumerated() {
            let key = sample.depth * 1000 + sample.size
            if sessions[key] == nil { sessions[key] = try ONNXSession(serialized: sample.bytes) }
            let output = try #require(try sessions[key]!.run([sample.input]).first)
            #expect(output.shape == reference.shape, "\(sample.label)")
            let difference = maxAbsDifference(output.scalars(as: Float.self), reference.scalars(as: Float.self))
            #expect(difference < 1e-4, "\(sample.label) (#\(index)): max abs difference \(difference)")
            worst = max(worst, difference)
        }
        print("Swift runtime vs onnxruntime, \(cases.count) exported cases: worst max abs difference \(worst)")
    }

    /// One model per operator (and a small NCHW classifier), written by `op_models.py`.
    @Test func runtimeAgreesWithOnnxruntimePerOperator() throws {
        let python = try Peers.python()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "onnx-ops")
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python/op_models.py").path
        let result = try TestEnvironment.run(python, [script, directory.path])
        try #require(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n")
        #expect(lines.count >= 30)
        for line in lines {
            let parts = line.split(separator: " ").map(String.init)
            let name = parts[0]
            let inShape = parts[1].split(separator: ",").compactMap { Int($0) }
            let outShape = parts[2].split(separator: ",").compactMap { Int($0) }
            func floats(_ suffix: String) throws -> [Float] {
                let data = try Data(contentsOf: directory.appendingPathComponent(name + suffix))
                return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            }
            let model = try [UInt8](Data(contentsOf: directory.appendingPathComponent(name + ".onnx")))
            do {
                let session = try ONNXSession(serialized: model)
                let output = try #require(try session.run([Tensor(shape: inShape, scalars: try floats(".in"))]).first)
                #expect(output.shape == outShape, "\(name)")
                let difference = maxAbsDifference(output.scalars(as: Float.self), try floats(".out"))
                #expect(difference < 1e-4, "\(name): max abs difference \(difference)")
            } catch {
                Issue.record("\(name): \(error)")
            }
        }
    }

    /// Large batches split over threads give what one replica computes for each sample.
    @Test func splitBatchesAndConcurrentRunsAgree() throws {
        let model = ExportFixtures.network(depth: 3, seed: 5)
        let session = try ONNXSession(serialized: model.onnxModel(height: 32, width: 32).serialized())
        let batch = ExportFixtures.input(batch: 11, size: 32, seed: 3)
        let expected = try Predictor(model: model, threads: 1).predict(batch).scalars(as: Float.self)
        let whole = try session.run([batch])[0].scalars(as: Float.self)
        #expect(maxAbsDifference(whole, expected) < 1e-4)
        nonisolated(unsafe) var differences = [Float](repeating: 1, count: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let result = try? session.run([batch])[0].scalars(as: Float.self)
            differences[i] = result.map { maxAbsDifference($0, expected) } ?? 1
        }
        #expect(differences.allSatisfy { $0 < 1e-4 })
    }

    /// A dense network (`Gemm` + `Relu`, then `MatMul`) gives every row what a plain
    /// double-precision product gives, whether the row runs alone (a matrix–vector product),
    /// in a batch of 16 (one matrix product) or in a batch of 150 (split into groups of 64
    /// over threads), and all three agree on each row.
    @Test func denseModelsAgreeAtEveryBatchSize() throws {
        let (n0, n1, n2) = (40, 96, 24)
        var generator = SeededGenerator(seed: 9)
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
        let w1 = values(n1 * n0), b1 = values(n1), w2 = values(n1 * n2)
        let bytes = ONNXModel(opsetImports: [.init(version: 17)], graph: ONNXGraph(
            name: "dense",
            nodes: [ONNXNode(opType: "Gemm", inputs: ["x", "w1", "b1"], outputs: ["h"], attributes: [ONNXAttribute(name: "transB", .int(1))]),
                    ONNXNode(opType: "Relu", inputs: ["h"], outputs: ["r"]),
                    ONNXNode(opType: "MatMul", inputs: ["r", "w2"], outputs: ["y"])],
            initializers: [ONNXTensor(name: "w1", dims: [Int64(n1), Int64(n0)], floats: w1),
                           ONNXTensor(name: "b1", dims: [Int64(n1)], floats: b1),
                           ONNXTensor(name: "w2", dims: [Int64(n1), Int64(n2)], floats: w2)],
            inputs: [ONNXValueInfo(name: "x", elementType: .float, shape: [.parameter("N"), .value(Int64(n0))])],
            outputs: [ONNXValueInfo(name: "y", elementType: .float, shape: [.parameter("N"), .value(Int64(n2))])])).serialized()
        let session = try ONNXSession(serialized: bytes)
        let rows = values(150 * n0)
        func reference(_ row: Int) -> [Float] {
            let x = rows[(row * n0)..<((row + 1) * n0)].map(Double.init)
            let h = (0..<n1).map { j in max(0, (0..<n0).reduce(Double(b1[j])) { $0 + Double(w1[j * n0 + $1]) * x[$1] }) }
            return (0..<n2).map { k in Float((0..<n1).reduce(0.0) { $0 + h[$1] * Double(w2[$1 * n2 + k]) }) }
        }
        let expected = (0..<150).flatMap(reference)
        for batch in [1, 16, 150] {
            let input = Tensor(shape: [batch, n0], scalars: Array(rows[0..<(batch * n0)]))
            let got = try session.run([input])[0]
            #expect(got.shape == [batch, n2])
            #expect(maxAbsDifference(got.scalars(as: Float.self), Array(expected[0..<(batch * n2)])) < 1e-4, "batch \(batch)")
        }
    }

    /// Unsupported operators, attributes and dtypes, and bad inputs, are errors naming them.
    @Test func refusalsNameWhatIsWrong() throws {
        func model(_ node: ONNXNode, input: ONNXDataType = .float, initializers: [ONNXTensor] = []) -> [UInt8] {
            ONNXModel(opsetImports: [.init(version: 17)], graph: ONNXGraph(
                name: "g", nodes: [node], initializers: initializers,
                inputs: [ONNXValueInfo(name: "x", elementType: input, shape: [.parameter("N"), .value(4)])],
                outputs: [ONNXValueInfo(name: "y", elementType: .float, shape: nil)])).serialized()
        }
        func refusal(_ bytes: [UInt8]) -> String {
            do { _ = try ONNXSession(serialized: bytes); return "accepted" } catch { return "\(error)" }
        }
        #expect(refusal(model(ONNXNode(opType: "LSTM", inputs: ["x"], outputs: ["y"]))).contains("operator LSTM"))
        #expect(refusal(model(ONNXNode(opType: "Relu", inputs: ["x"], outputs: ["y"], attributes: [ONNXAttribute(name: "beta", .float(1))])))
            .contains("attribute 'beta'"))
        #expect(refusal(model(ONNXNode(opType: "Relu", inputs: ["x"], outputs: ["y"]), input: .int32)).contains("int32"))
        #expect(refusal(model(ONNXNode(opType: "Relu", inputs: ["z"], outputs: ["y"]))).contains("'z'"))
        #expect(refusal(model(ONNXNode(opType: "Add", inputs: ["x", "w"], outputs: ["y"]),
                              initializers: [ONNXTensor(name: "w", dims: [3], floats: [1, 2, 3])])).contains("broadcast"))
        let session = try ONNXSession(serialized: model(ONNXNode(opType: "Relu", inputs: ["x"], outputs: ["y"])))
        #expect(throws: ONNXError.self) { try session.run([]) }
        #expect(throws: ONNXError.invalid("Got invalid dimensions for input: x for the following indices index: 1 Got: 5 Expected: 4 Please fix either the inputs or the model.")) {
            try session.run([Tensor(shape: [2, 5], scalars: [Float](repeating: 0, count: 10))])
        }
        #expect(throws: ONNXError.self) { try session.run([Tensor(shape: [1, 4], scalars: [Double](repeating: 0, count: 4))]) }
        #expect(try session.run([Tensor(shape: [1, 4], scalars: [-1, 2, -3, 4] as [Float])])[0].scalars(as: Float.self) == [0, 2, 0, 4])
    }

    /// Truncated, bit-flipped and random blobs are refused (or run) without a crash.
    @Test func fuzzedBlobsAreRefusedWithoutCrashing() throws {
        let valid = ExportFixtures.network(depth: 1, seed: 2).onnxModel(height: 8, width: 8).serialized()
        var generator = SeededGenerator(seed: 99)
        var refused = 0, accepted = 0
        let input = ExportFixtures.input(batch: 2, size: 8, seed: 1)
        for trial in 0..<600 {
            var blob = valid
            switch trial % 3 {
            case 0: blob = Array(valid.prefix(Int.random(in: 0..<valid.count, using: &generator)))
            case 1:
                for _ in 0..<Int.random(in: 1...8, using: &generator) {
                    blob[Int.random(in: 0..<blob.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            default: blob = (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
            do {
                let session = try ONNXSession(serialized: blob)
                _ = try? session.run([input])
                accepted += 1
            } catch {
                refused += 1
            }
        }
        #expect(refused > 300)
        print("fuzz: \(refused) refused, \(accepted) accepted (and ran without crashing)")
    }
}
