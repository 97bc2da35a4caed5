import Foundation

/// PyTorch's training throughput for the same DiffusionResNet, measured in the same run by
/// `scripts/reference/pytorch_throughput.py` with the Python at `TANDEM_PYTHON`, when that
/// Python can import torch (the project does not install it).
enum PyTorchPeer {
    enum Outcome {
        /// Samples per second, and torch's version.
        case measured(Double, version: String)
        /// Why there is no measurement.
        case unavailable(String)
    }

    /// The script, found from this source file's place in the repository.
    static var script: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/reference/pytorch_throughput.py")
    }

    static func measure(depth: Int, size: Int, batch: Int, threads: Int, quick: Bool) -> Outcome {
        guard let python = ProcessInfo.processInfo.environment["TANDEM_PYTHON"], !python.isEmpty else {
            return .unavailable("TANDEM_PYTHON is not set")
        }
        guard FileManager.default.fileExists(atPath: script.path) else { return .unavailable("\(script.path) is missing") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path, "--depth", String(depth), "--size", String(size), "--batch", String(batch),
                             "--threads", String(threads), "--repeats", quick ? "5" : "30", "--warmup", quick ? "2" : "5"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return .unavailable("cannot run \(python): \(error)") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 3 { return .unavailable("torch is not importable by \(python)") }
        guard process.terminationStatus == 0,
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let perSecond = json["per_s"] as? Double else {
            return .unavailable("the PyTorch script failed (status \(process.terminationStatus))")
        }
        return .measured(perSecond, version: json["torch"] as? String ?? "?")
    }
}
