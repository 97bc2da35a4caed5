import Foundation
import ONNX
import RESP
import TandemTensor
import Testing
import TandemTesting

/// Networks exported by PyTorch's exporter (an MLP, a small U-Net, a transformer encoder
/// block; dynamic batch, several opsets) stored with `AI.MODELSTORE … ONNX CPU BLOB` and run
/// with `AI.MODELEXECUTE` in the database, against onnxruntime; unsupported operators are
/// refused at store with their name, and malformed integer tensors are errors, never a crash.
@Suite(.needsModule) struct ExportedNetworkTests {
    static let ok = RESPValue.simpleString("OK")

    /// The exporter script shared with TandemONNXTests (one definition of the networks).
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TandemONNXTests/Python/exported_networks.py").path
    }

    static func floats(_ bytes: [UInt8]) -> [Float] {
        bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    @Test func exportedNetworksRunInTheDatabaseAsInOnnxruntime() throws {
        let python = try Peers.python()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "onnx-db-nets")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try TestEnvironment.run(python, [Self.script, directory.path])
        try #require(result.status == 0, "\(result.error)")
        let server = try Peers.moduleServer()
        let c = try server.connect()
        var stored: Set<String> = []
        var runs = 0
        var worst: Float = 0
        for line in result.output.split(separator: "\n") {
            let parts = line.split(separator: " ").map(String.init)
            let (name, batch) = (parts[0], parts[1])
            let inShape = parts[2].split(separator: ",").compactMap { Int($0) }, outShape = parts[3].split(separator: ",").compactMap { Int($0) }
            let base = directory.appendingPathComponent(name)
            if stored.insert(name).inserted {
                let blob = try [UInt8](Data(contentsOf: base.appendingPathExtension("onnx")))
                #expect(try c.call("AI.MODELSTORE", name, "ONNX", "CPU", "BLOB", blob) == Self.ok, "\(name)")
            }
            let input = try [UInt8](Data(contentsOf: base.appendingPathExtension("\(batch).in")))
            let expected = Self.floats(try [UInt8](Data(contentsOf: base.appendingPathExtension("\(batch).out"))))
            let set: [any CommandArgument] = ["AI.TENSORSET", "in:\(name):\(batch)", "FLOAT"] + inShape.map { $0 as any CommandArgument } + ["BLOB", input]
            #expect(try c.call(set) == Self.ok)
            let reply = try c.call("AI.MODELEXECUTE", name, "INPUTS", 1, "in:\(name):\(batch)", "OUTPUTS", 1, "out:\(name):\(batch)")
            #expect(reply == Self.ok, "\(name) batch \(batch): \(reply)")
            let meta = try #require(try c.call("AI.TENSORGET", "out:\(name):\(batch)", "META").array)
            #expect(meta.last == .array(outShape.map { .integer(Int64($0)) }), "\(name) batch \(batch)")
            guard case .bulkString(let bytes) = try c.call("AI.TENSORGET", "out:\(name):\(batch)", "BLOB") else {
                Issue.record("\(name) batch \(batch): no output blob")
                continue
            }
            let got = Self.floats(bytes)
            #expect(got.count == expected.count)
            let difference = maxAbsDifference(got, expected)
            #expect(difference < 1e-4, "\(name) batch \(batch): max abs difference \(difference)")
            worst = max(worst, difference)
            runs += 1
        }
        #expect(stored.count == 9 && runs == 27)
        print("exported networks in the database vs onnxruntime, \(runs) runs: worst max abs difference \(worst)")
    }

    static func model(_ nodes: [ONNXNode], _ initializers: [ONNXTensor] = [], input: [ONNXValueInfo.Dimension]) -> [UInt8] {
        ONNXModel(opsetImports: [.init(version: 17)], graph: ONNXGraph(
            name: "g", nodes: nodes, initializers: initializers,
            inputs: [ONNXValueInfo(name: "x", elementType: .float, shape: input)],
            outputs: [ONNXValueInfo(name: "y", elementType: .float, shape: nil)])).serialized()
    }

    @Test func unsupportedOperatorsAndMalformedShapesAreRefusedWithoutHarm() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        func errorText(_ reply: RESPValue) -> String { if case .error(let text) = reply { text } else { "not an error: \(reply)" } }
        // Refused at store, naming the operator: in a plain model and in one that computes shapes.
        let lstm = Self.model([ONNXNode(opType: "LSTM", inputs: ["x"], outputs: ["y"])], input: [.parameter("N"), .value(4)])
        #expect(errorText(try c.call("AI.MODELSTORE", "m1", "ONNX", "CPU", "BLOB", lstm)).contains("operator LSTM"))
        let nonZero = Self.model([ONNXNode(opType: "Shape", inputs: ["x"], outputs: ["s"]), ONNXNode(opType: "NonZero", inputs: ["x"], outputs: ["z"]),
                                  ONNXNode(opType: "Reshape", inputs: ["x", "s"], outputs: ["y"])], input: [.parameter("N"), .parameter("M")])
        #expect(errorText(try c.call("AI.MODELSTORE", "m2", "ONNX", "CPU", "BLOB", nonZero)).contains("operator NonZero"))
        #expect(try c.call("EXISTS", "m1", "m2") == .integer(0))
        // A computed shape of huge size: refused at store when the input's dims are declared...
        let ones = ONNXAttribute(name: "value", .tensor(ONNXTensor(name: "", dims: [1], floats: [1])))
        let huge = { (input: [ONNXValueInfo.Dimension]) in
            Self.model([ONNXNode(opType: "Shape", inputs: ["x"], outputs: ["s"]), ONNXNode(opType: "Mul", inputs: ["s", "k"], outputs: ["big"]),
                        ONNXNode(opType: "ConstantOfShape", inputs: ["big"], outputs: ["c"], attributes: [ones]),
                        ONNXNode(opType: "Add", inputs: ["x", "c"], outputs: ["y"])],
                       [ONNXTensor(name: "k", dims: [2], int64s: [1 << 40, 1 << 40])], input: input)
        }
        #expect(errorText(try c.call("AI.MODELSTORE", "m3", "ONNX", "CPU", "BLOB", huge([.parameter("N"), .value(4)]))).contains("too large"))
        // ...and at execute when they are not, where the run fails and nothing is written.
        #expect(try c.call("AI.MODELSTORE", "m4", "ONNX", "CPU", "BLOB", huge([.parameter("N"), .parameter("M")])) == Self.ok)
        #expect(try c.call("AI.TENSORSET", "x", "FLOAT", 2, 3, "VALUES", 1, 2, 3, 4, 5, 6) == Self.ok)
        #expect(errorText(try c.call("AI.MODELEXECUTE", "m4", "INPUTS", 1, "x", "OUTPUTS", 1, "y")).contains("too large"))
        #expect(try c.call("EXISTS", "y") == .integer(0))
        // A reshape to a negative computed size.
        let negative = Self.model([ONNXNode(opType: "Shape", inputs: ["x"], outputs: ["s"]), ONNXNode(opType: "Neg", inputs: ["s"], outputs: ["t"]),
                                   ONNXNode(opType: "Reshape", inputs: ["x", "t"], outputs: ["y"])], input: [.parameter("N"), .parameter("M")])
        #expect(try c.call("AI.MODELSTORE", "m5", "ONNX", "CPU", "BLOB", negative) == Self.ok)
        #expect(errorText(try c.call("AI.MODELEXECUTE", "m5", "INPUTS", 1, "x", "OUTPUTS", 1, "y")).contains("Reshape"))
        #expect(server.isRunning)
        #expect(try c.call("PING") == .simpleString("PONG"))
    }
}
