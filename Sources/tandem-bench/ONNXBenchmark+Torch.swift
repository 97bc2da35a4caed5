import ArgumentParser
import Foundation
import RESP
import TandemRedis

/// The TORCH case of `tandem-bench onnx`: the same DiffusionResNet traced to TorchScript by
/// PyTorch (`scripts/reference/torchscript_inference.py`), stored with `AI.MODELSTORE …
/// TORCH CPU` and run in the database by the TORCH backend library, against PyTorch's
/// in-process inference on the same TorchScript file, measured in the same run.
///
/// Fair to both sides: the server gets the `--module-arguments`, and PyTorch the same intra-
/// and inter-op thread counts (`INTRA_OP_PARALLELISM`, `INTER_OP_PARALLELISM`; neither side
/// sets them when they are not given); both warm up with the same number of runs on each
/// batch size; and the two sides' runs alternate in rounds (PyTorch's process waits for
/// the next request meanwhile), so that other work on the machine weighs on both alike.
extension ONNXBenchmark {
    /// The reference script, found from this source file's place in the repository.
    static var torchScript: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/reference/torchscript_inference.py")
    }

    /// The value of `key` in module arguments given either as separate words or as
    /// `"KEY value"` strings, or 0 when absent or not a positive integer.
    static func moduleSetting(_ key: String, in arguments: [String]) -> Int {
        let words = arguments.flatMap { $0.split(whereSeparator: \.isWhitespace).map(String.init) }
        guard let index = words.lastIndex(where: { $0.uppercased() == key }), index + 1 < words.count,
              let value = Int(words[index + 1]), value > 0 else { return 0 }
        return value
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
        let intra = Self.moduleSetting("INTRA_OP_PARALLELISM", in: moduleArguments)
        let inter = Self.moduleSetting("INTER_OP_PARALLELISM", in: moduleArguments)
        let warmup = options.quick ? 2 : 5
        let peer: TorchPeer
        do {
            peer = try TorchPeer(python: python, script: Self.torchScript, arguments: [
                "--folder", folder.path, "--depth", "\(depth)", "--size", "\(size)", "--threads", "\(intra)",
                "--interop-threads", "\(inter)", "--warmup", "\(warmup)", "--serve", "--batches",
            ] + batches.map(String.init))
        } catch {
            return unavailable("\(error)")
        }
        defer { peer.stop() }
        let server = try BenchServer(executable: redisServer, module: module, moduleArguments: moduleArguments + ["TORCH", backendPath])
        defer { server.stop() }
        let connection = try server.connect()
        let model = [UInt8](try Data(contentsOf: folder.appendingPathComponent("diffusion.pt")))
        let stored = try connection.send([Array("AI.MODELSTORE".utf8), Array("diffusion".utf8), Array("TORCH".utf8), Array("CPU".utf8), Array("BLOB".utf8), model])
        guard stored == .simpleString("OK") else { throw ValidationError("AI.MODELSTORE … TORCH failed: \(stored)") }
        let threads = "INTRA_OP_PARALLELISM \(intra > 0 ? "\(intra)" : "default"), INTER_OP_PARALLELISM \(inter > 0 ? "\(inter)" : "default")"
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
            // Rounds of `perRound` runs, PyTorch's then the database's.
            let (rounds, perRound) = options.quick ? (batch == 1 ? (4, 5) : (3, 1)) : (batch == 1 ? (10, 20) : (5, options.measuredRepeats))
            for _ in 0..<warmup {
                _ = try connection.send(put)
                _ = try connection.send(run)
                _ = try connection.send(get)
            }
            var ours: [Double] = [], theirs: [Double] = []
            for _ in 0..<rounds {
                theirs += try peer.measure(batch: batch, count: perRound)
                for _ in 0..<perRound {
                    let start = DispatchTime.now().uptimeNanoseconds
                    _ = try connection.send(put)
                    _ = try connection.send(run)
                    _ = try connection.send(get)
                    ours.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                }
            }
            let ms = median(ours), peerMs = median(theirs)
            BenchmarkRecord(bench: "onnx", case: "torch \(batch == 1 ? "latency" : "throughput") put+run+get", [
                "depth": depth, "size": size, "batch": batch, "repeats": rounds * perRound, "threads": threads,
                "max_difference": Double(difference), "median_ms": ms, "per_s": Double(batch) * 1000 / ms,
                "peer": "PyTorch \(peer.version) TorchScript in process, \(peer.threads) intra-op and \(peer.interopThreads) inter-op threads, runs alternating",
                "peer_median_ms": peerMs, "peer_per_s": Double(batch) * 1000 / peerMs, "ratio": peerMs / ms,
            ]).emit()
        }
    }
}

/// `scripts/reference/torchscript_inference.py --serve` in its own process: it writes the
/// model and the batches, then times PyTorch's runs on request, one JSON line each.
final class TorchPeer {
    private let peer: LinePeerProcess
    private(set) var version = ""
    private(set) var threads = 0
    private(set) var interopThreads = 0

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts the script and waits until it is ready.
    ///
    /// - Throws: ``Failure`` when it cannot start, torch is missing, or it stops.
    init(python: String, script: URL, arguments: [String]) throws {
        do {
            peer = try LinePeerProcess(executable: python, arguments: [script.path] + arguments, discardingErrors: true)
        } catch {
            throw Failure(description: "cannot run \(python): \(error)")
        }
        guard let ready = peer.readLine(), let json = try? JSONSerialization.jsonObject(with: Data(ready.utf8)) as? [String: Any],
              let version = json["torch"] as? String else {
            let status = peer.waitForExit()
            throw Failure(description: status == 3 ? "torch is not importable by \(python)" : "the PyTorch script failed (status \(status))")
        }
        self.version = version
        threads = json["threads"] as? Int ?? 0
        interopThreads = json["interop_threads"] as? Int ?? 0
    }

    /// The milliseconds of `count` PyTorch runs on the batch of `batch` samples.
    func measure(batch: Int, count: Int) throws -> [Double] {
        peer.send("\(batch) \(count)")
        guard let line = peer.readLine(), let times = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Double],
              times.count == count else {
            throw ValidationError("the PyTorch script stopped answering")
        }
        return times
    }

    /// Closes its input (it ends) and waits for it.
    func stop() { peer.stop() }
}
