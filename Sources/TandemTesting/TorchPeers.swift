import Foundation
import Testing

extension Peers {
    /// The TORCH backend library: `TANDEM_TORCH_BACKEND`, else where `make torch-backend`
    /// puts it, beside the module (`<module folder>/backends/redisai_torch/redisai_torch.so`,
    /// the module's default `BACKENDSPATH` layout).
    ///
    /// Skips the test loudly when it is missing on a developer machine; fails under `CI`.
    public static func torchBackend() throws -> String {
        if let path = ProcessInfo.processInfo.environment["TANDEM_TORCH_BACKEND"], !path.isEmpty {
            try require(FileManager.default.fileExists(atPath: path), "TANDEM_TORCH_BACKEND=\(path) does not exist: run `make torch-backend`")
            return path
        }
        let path = defaultTorchBackend(module: try module())
        try require(FileManager.default.fileExists(atPath: path),
                    "the TORCH backend library \(path) is missing: run `make torch-backend` (it needs torch in the venv: `scripts/install-deps.sh --python .venv`)")
        return path
    }

    /// Where `make torch-backend` puts the library for the module at `module`.
    public static func defaultTorchBackend(module: String) -> String {
        URL(fileURLWithPath: module).deletingLastPathComponent()
            .appendingPathComponent("backends/redisai_torch/redisai_torch.so").path
    }

    /// The test peers' Python, checked to have PyTorch (skips loudly, or fails under CI).
    public static func torchPython() throws -> String {
        let python = try python()
        let available = TorchPythonCheck.shared.hasTorch(python)
        try require(available, "\(python) has no torch: run `scripts/install-deps.sh --python .venv`")
        return python
    }
}

/// Remembers whether a Python imports torch (the import takes seconds).
private final class TorchPythonCheck: @unchecked Sendable {
    static let shared = TorchPythonCheck()
    private let lock = NSLock()
    private var answers: [String: Bool] = [:]

    func hasTorch(_ python: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let answer = answers[python] { return answer }
        let answer = (try? TestEnvironment.run(python, ["-c", "import torch"]).status == 0) ?? false
        answers[python] = answer
        return answer
    }
}

/// TorchScript models and scripts made by the real PyTorch (`torch_models.py` in
/// Tests/TandemAITests/Python), with their inputs and PyTorch's outputs.
public struct TorchFixtures: Sendable {
    /// One tensor of a case: its RedisAI type name, shape and raw bytes.
    public struct Tensor: Sendable {
        public let dtype: String
        public let shape: [Int]
        public let bytes: [UInt8]

        /// The rows `range` of dimension 0 (per-sample inputs or outputs of a batch).
        public func rows(_ range: Range<Int>) -> Tensor {
            let rowBytes = shape.isEmpty || shape[0] == 0 ? 0 : bytes.count / shape[0]
            return Tensor(dtype: dtype, shape: [range.count] + shape.dropFirst(),
                          bytes: Array(bytes[range.lowerBound * rowBytes..<range.upperBound * rowBytes]))
        }

        /// The whole batch `times` times over, along dimension 0.
        public func repeated(_ times: Int) -> Tensor {
            Tensor(dtype: dtype, shape: [(shape.first ?? 1) * times] + shape.dropFirst(),
                   bytes: Array([[UInt8]](repeating: bytes, count: times).joined()))
        }
    }

    /// The folder holding `cnn.pt`, `multi.pt`, `script.py` and the tensors.
    public let folder: URL
    /// Inputs and PyTorch's outputs per case (`cnn`, `multi`, `bar`, `scale`, `normalize`).
    public let inputs: [String: [Tensor]]
    public let outputs: [String: [Tensor]]

    /// Runs the generator with the torch Python into a new temporary folder.
    public static func make() throws -> TorchFixtures {
        let python = try Peers.torchPython()
        let generator = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Tests/TandemAITests/Python/torch_models.py").standardized.path
        let folder = try TestEnvironment.makeTemporaryDirectory(prefix: "torch")
        let result = try TestEnvironment.run(python, [generator, folder.path])
        guard result.status == 0 else {
            throw TestEnvironmentError("torch_models.py failed:\n\(result.output)\n\(result.error)")
        }
        return try TorchFixtures(folder: folder)
    }

    init(folder: URL) throws {
        self.folder = folder
        var inputs: [String: [Tensor]] = [:], outputs: [String: [Tensor]] = [:]
        let manifest = try String(contentsOf: folder.appendingPathComponent("manifest.txt"), encoding: .utf8)
        for line in manifest.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count >= 4 else { continue }
            let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent("\(fields[0]).\(fields[1])\(fields[2]).bin")))
            let tensor = Tensor(dtype: fields[3], shape: fields[4...].compactMap { Int($0) }, bytes: bytes)
            if fields[1] == "in" { inputs[fields[0], default: []].append(tensor) } else { outputs[fields[0], default: []].append(tensor) }
        }
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The bytes of a file of the folder (`cnn.pt`, `script.py`, …).
    public func file(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))
    }

    /// The largest difference between two tensors' elements (floats and doubles compared
    /// as numbers, other types byte for byte: any difference counts as infinity), or
    /// infinity when the types or sizes differ.
    public static func maximumDifference(_ expected: Tensor, dtype: String, shape: [Int], bytes: [UInt8]) -> Double {
        guard expected.dtype == dtype, expected.shape == shape, expected.bytes.count == bytes.count else { return .infinity }
        switch dtype {
        case "FLOAT":
            let a = floats(expected.bytes, Float.self), b = floats(bytes, Float.self)
            return zip(a, b).map { Double(abs($0 - $1)) }.max() ?? 0
        case "DOUBLE":
            let a = floats(expected.bytes, Double.self), b = floats(bytes, Double.self)
            return zip(a, b).map { abs($0 - $1) }.max() ?? 0
        default:
            return expected.bytes == bytes ? 0 : .infinity
        }
    }

    private static func floats<Scalar: BinaryFloatingPoint>(_ bytes: [UInt8], _ type: Scalar.Type) -> [Scalar] {
        bytes.withUnsafeBytes { raw in
            (0..<(raw.count / MemoryLayout<Scalar>.size)).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<Scalar>.size, as: Scalar.self) }
        }
    }
}
