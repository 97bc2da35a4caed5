import ArgumentParser
import Foundation
import RESP
import TandemRedis

/// The TORCH case of `tandem-bench onnx`: the same DiffusionResNet traced to TorchScript by
/// PyTorch (`scripts/reference/torchscript_inference.py`), stored with `AI.MODELSTORE …
/// TORCH CPU` and run in the database by the TORCH backend library, against PyTorch's
/// in-process inference on the same TorchScript, measured in the same run.
extension ONNXBenchmark {
    /// The reference script, found from this source file's place in the repository.
    static var torchScript: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/reference/torchscript_inference.py")
    }

    /// Emits one record per batch size, or one record saying why the case cannot run.
    func runTorchCases(module: String, python: String?, backend: String?, batches: [Int]) throws {
        let backendPath = backend ?? ProcessInfo.processInfo.environment["TANDEM_TORCH_BACKEND"]
            ?? URL(fileURLWithPath: module).deletingLastPathComponent().appendingPathComponent("backends/redisai_torch/redisai_torch.so").path
        func unavailable(_ why: String) {
            BenchmarkRecord(bench: "onnx", case: "torch put+run+get", ["peer": "unavailable", "reason": why]).emit()
        }
        guard FileManager.default.fileExists(atPath: backendPath) else { return unavailable("no TORCH backend at \(backendPath) (make torch-backend)") }
        guard let python, FileManager.default.isExecutableFile(atPath: python) else { return unavailable("set TANDEM_PYTHON to a Python with torch") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-torch-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.torchScript.path, "--folder", folder.path, "--depth", "\(depth)", "--size", "\(size)",
                             "--repeats", options.quick ? "5" : "50", "--batches"] + batches.map(String.init)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let line = String(decoding: output, as: UTF8.self).split(separator: "\n").last,
              let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let peer = json["median_ms"] as? [String: Double] else {
            return unavailable("the PyTorch script failed (status \(process.terminationStatus))")
        }
        let server = try BenchServer(executable: redisServer, module: module, moduleArguments: ["TORCH", backendPath])
        defer { server.stop() }
        let connection = try server.connect()
        let model = [UInt8](try Data(contentsOf: folder.appendingPathComponent("diffusion.pt")))
        let stored = try connection.send([Array("AI.MODELSTORE".utf8), Array("diffusion".utf8), Array("TORCH".utf8), Array("CPU".utf8), Array("BLOB".utf8), model])
        guard stored == .simpleString("OK") else { throw ValidationError("AI.MODELSTORE … TORCH failed: \(stored)") }
        for batch in batches {
            let input = [UInt8](try Data(contentsOf: folder.appendingPathComponent("input\(batch).bin")))
            let expected = [UInt8](try Data(contentsOf: folder.appendingPathComponent("output\(batch).bin")))
            let put = [Array("AI.TENSORSET".utf8), Array("x".utf8), Array("FLOAT".utf8)]
                + [batch, 1, size, size].map { Array("\($0)".utf8) } + [Array("BLOB".utf8), input]
            let run = ["AI.MODELEXECUTE", "diffusion", "INPUTS", "1", "x", "OUTPUTS", "1", "y"].map { Array($0.utf8) }
            let get = ["AI.TENSORGET", "y", "BLOB"].map { Array($0.utf8) }
            _ = try connection.send(put)
            let ran = try connection.send(run)
            guard ran == .simpleString("OK"), case .bulkString(let out) = try connection.send(get) else {
                throw ValidationError("AI.MODELEXECUTE on the TORCH model failed: \(ran)")
            }
            let floats: ([UInt8]) -> [Float] = { bytes in bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } }
            let difference = zip(floats(out), floats(expected)).map { abs($0 - $1) }.max() ?? .infinity
            guard out.count == expected.count, difference <= 1e-5 else {
                throw ValidationError("the TORCH model's output differs from PyTorch's (max difference \(difference))")
            }
            let repeats = options.quick ? (batch == 1 ? 20 : 3) : (batch == 1 ? 200 : 5 * options.measuredRepeats)
            let ms = try measureMedian(warmup: options.quick ? 2 : 5, repeats: repeats) {
                _ = try connection.send(put)
                _ = try connection.send(run)
                _ = try connection.send(get)
            }
            var record = BenchmarkRecord(bench: "onnx", case: "torch \(batch == 1 ? "latency" : "throughput") put+run+get", [
                "depth": depth, "size": size, "batch": batch, "repeats": repeats, "max_difference": Double(difference),
                "median_ms": ms, "per_s": Double(batch) * 1000 / ms,
            ])
            if let peerMs = peer["\(batch)"] {
                record.fields += [("peer", "PyTorch \(json["torch"] as? String ?? "") TorchScript in process"), ("peer_median_ms", peerMs),
                                  ("peer_per_s", Double(batch) * 1000 / peerMs), ("ratio", peerMs / ms)]
            }
            record.emit()
        }
    }
}
