import Foundation
import Testing
import ONNX
import TandemTensor
import TandemTesting

@Suite struct ONNXModelTests {
    /// A small model with every kind of field the reader handles.
    static func sampleModel() -> ONNXModel {
        let weight = ONNXTensor(name: "w", dims: [1, 3], floats: [0.5, -1, 2])
        var typed = ONNXTensor(name: "b", dims: [3], floats: [])
        typed.rawData = []
        typed.floatData = [1, 2, 3]
        let graph = ONNXGraph(
            name: "sample",
            nodes: [
                ONNXNode(name: "mul", opType: "Mul", inputs: ["x", "w"], outputs: ["xw"]),
                ONNXNode(name: "add", opType: "Add", inputs: ["xw", "b"], outputs: ["s"]),
                ONNXNode(name: "act", opType: "LeakyRelu", inputs: ["s"], outputs: ["y"],
                         attributes: [ONNXAttribute(name: "alpha", .float(0.25))]),
                ONNXNode(opType: "Identity", inputs: ["y"], outputs: ["z"], attributes: [
                    ONNXAttribute(name: "i", .int(-7)), ONNXAttribute(name: "s", .string(Array("text".utf8))),
                    ONNXAttribute(name: "fs", .floats([1.5, -2])), ONNXAttribute(name: "is", .ints([1, -1, 1 << 40])),
                    ONNXAttribute(name: "t", .tensor(ONNXTensor(name: "c", dims: [2], int64s: [4, -5]))),
                ]),
            ],
            initializers: [weight, typed],
            inputs: [ONNXValueInfo(name: "x", elementType: .float, shape: [.parameter("N"), .value(3)])],
            outputs: [ONNXValueInfo(name: "z", elementType: .float, shape: [.parameter("N"), .value(3)])])
        return ONNXModel(opsetImports: [.init(version: 17)], graph: graph)
    }

    @Test func serializedModelsDecodeToThemselves() throws {
        let model = Self.sampleModel()
        #expect(try ONNXModel(serialized: model.serialized()) == model)
    }

    @Test func tensorsReadFromRawAndTypedFields() throws {
        let model = Self.sampleModel()
        #expect(try model.graph.initializers[0].floats() == [0.5, -1, 2])
        #expect(try model.graph.initializers[1].floats() == [1, 2, 3])
        #expect(try model.graph.nodes[3].attribute("t")?.tensor?.int64s() == [4, -5])
        var short = ONNXTensor(name: "bad", dims: [4], floats: [1, 2])
        #expect(throws: ONNXError.self) { try short.floats() }
        short.dims = [-1]
        #expect(throws: ONNXError.self) { try short.elementCount() }
    }

    /// Python's `onnx` checks the model Swift wrote and onnxruntime runs it.
    @Test func onnxAndOnnxruntimeAcceptWhatSwiftWrites() throws {
        let python = try Peers.python()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "onnx")
        let path = directory.appendingPathComponent("sample.onnx").path
        var model = Self.sampleModel()
        model.graph.nodes[3].attributes = []   // Identity takes no attributes; the checker would object.
        try Data(model.serialized()).write(to: URL(fileURLWithPath: path))
        let script = """
        import sys, numpy as np, onnx, onnxruntime as ort
        m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)
        s = ort.InferenceSession(sys.argv[1], providers=['CPUExecutionProvider'])
        x = np.array([[1, 2, 3], [-4, 0, 1]], dtype=np.float32)
        print(' '.join(repr(float(v)) for v in s.run(None, {'x': x})[0].flatten()))
        """
        let result = try TestEnvironment.run(python, ["-c", script, path])
        #expect(result.status == 0, "\(result.error)")
        // y = leaky_relu(x * w + b), alpha 0.25
        let x: [Float] = [1, 2, 3, -4, 0, 1], w: [Float] = [0.5, -1, 2], b: [Float] = [1, 2, 3]
        let expected = x.indices.map { i -> Float in
            let s = x[i] * w[i % 3] + b[i % 3]
            return s >= 0 ? s : 0.25 * s
        }
        let got = result.output.split(separator: " ").compactMap { Float($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(got == expected)
    }

    /// What `onnx.helper` writes, Swift reads: every attribute type, typed and raw tensor data.
    @Test func readsWhatPythonOnnxWrites() throws {
        let python = try Peers.python()
        let script = """
        import sys, numpy as np, onnx
        from onnx import helper, TensorProto, numpy_helper
        w = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), 'w')
        b = helper.make_tensor('b', TensorProto.FLOAT, [3], [0.5, 1.5, -2.5])
        shape = helper.make_tensor('shape', TensorProto.INT64, [2], [3, -1])
        node = helper.make_node('Gemm', ['x', 'w', 'b'], ['y'], name='gemm', alpha=0.5, transB=0,
                                ints=[1, 2], floats=[0.25], mode='constant', value=shape)
        g = helper.make_graph([node], 'g', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['batch', 2])],
                              [helper.make_tensor_value_info('y', TensorProto.FLOAT, [None, 3])], [w, b])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)], producer_name='pytest')
        sys.stdout.write(m.SerializeToString().hex())
        """
        let result = try TestEnvironment.run(python, ["-c", script])
        #expect(result.status == 0, "\(result.error)")
        let hex = Array(result.output.utf8)
        let bytes = stride(from: 0, to: hex.count - 1, by: 2).map { UInt8(String(decoding: hex[$0...$0 + 1], as: UTF8.self), radix: 16)! }
        let model = try ONNXModel(serialized: bytes)
        #expect(model.producerName == "pytest")
        #expect(model.defaultOpsetVersion == 13)
        let graph = model.graph
        #expect(graph.inputs == [ONNXValueInfo(name: "x", elementType: .float, shape: [.parameter("batch"), .value(2)])])
        #expect(graph.outputs == [ONNXValueInfo(name: "y", elementType: .float, shape: [.unknown, .value(3)])])
        #expect(try graph.initializers[0].floats() == [0, 1, 2, 3, 4, 5])
        #expect(graph.initializers[0].dims == [2, 3])
        #expect(try graph.initializers[1].floats() == [0.5, 1.5, -2.5])
        let node = try #require(graph.nodes.first)
        #expect(node.opType == "Gemm" && node.name == "gemm" && node.inputs == ["x", "w", "b"])
        #expect(node.attribute("alpha")?.float == 0.5)
        #expect(node.attribute("transB")?.int == 0)
        #expect(node.attribute("ints")?.ints == [1, 2])
        #expect(node.attribute("floats")?.value == .floats([0.25]))
        #expect(node.attribute("mode")?.string == "constant")
        #expect(try node.attribute("value")?.tensor?.int64s() == [3, -1])
    }

    /// Truncated and mutated models are refused with an error, never a crash.
    @Test func garbageIsRefusedWithoutCrashing() {
        let valid = Self.sampleModel().serialized()
        var generator = SeededGenerator(seed: 11)
        var refused = 0
        for length in 0..<valid.count {
            if (try? ONNXModel(serialized: Array(valid[0..<length]))) == nil { refused += 1 }
        }
        #expect(refused > valid.count / 2, "most truncations must be refused")
        for _ in 0..<3000 {
            var mutated = valid
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? ONNXModel(serialized: mutated)
        }
        for _ in 0..<2000 {
            let random = (0..<Int.random(in: 0...200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? ONNXModel(serialized: random)
        }
        #expect(throws: ONNXError.self) { try ONNXModel(serialized: [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) }
    }
}
