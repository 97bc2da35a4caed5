import Foundation

/// DiffusionResNet defined in PyTorch exactly as TandemNN computes it and exported to ONNX
/// by PyTorch's TorchScript exporter (`scripts/reference/torch_onnx_export.py` with the
/// test peers' Python), with a random input and PyTorch's own output for it.
///
/// ```swift
/// let export = try TorchONNXExport.make(depth: 2, size: 16, batch: 3, opset: 17)
/// let session = try ONNXSession(serialized: export.model)
/// ```
public struct TorchONNXExport: Sendable {
    /// The ONNX bytes.
    public let model: [UInt8]
    /// The input's NHWC shape (`[batch, size, size, 1]`); the output has the same.
    public let shape: [Int]
    /// The random input and PyTorch's output for it, NHWC.
    public let input: [Float], output: [Float]

    /// The exporting script, found from this source file's place in the repository.
    public static var script: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/reference/torch_onnx_export.py")
    }

    /// Exports a network of `depth` for a `size × size` grid at `opset` (PyTorch's weights
    /// from `seed`). Skips the test loudly when the Python has no torch (fails under CI).
    public static func make(depth: Int, size: Int, batch: Int, seed: Int = 1, opset: Int = 17) throws -> TorchONNXExport {
        let python = try Peers.torchPython()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "torch-onnx")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("model.onnx")
        let result = try TestEnvironment.run(python, [script.path, "--out", path.path, "--depth", "\(depth)", "--size", "\(size)",
                                                     "--batch", "\(batch)", "--seed", "\(seed)", "--opset", "\(opset)"])
        guard result.status == 0 else { throw TestEnvironmentError("torch_onnx_export.py failed: \(result.error)") }
        func floats(_ name: String) throws -> [Float] {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        return TorchONNXExport(model: Array(try Data(contentsOf: path)), shape: [batch, size, size, 1],
                               input: try floats("input.bin"), output: try floats("output.bin"))
    }
}
