import ArgumentParser
import Foundation
import ONNX
import RESP
import TandemNN
import TandemONNX
import TandemRedis
import TandemTensor

/// `tandem-bench onnx`: in-database inference of an exported DiffusionResNet against
/// onnxruntime in process.
///
/// One `redis-server` with TandemAI; the model (depth 4, 64×64, exported by TandemONNX) is
/// stored with `AI.MODELSTORE … ONNX CPU`. A round trip is what a client does: put the
/// input (`AI.TENSORSET … BLOB`), run (`AI.MODELEXECUTE`), get the output
/// (`AI.TENSORGET … BLOB`). Cases: one sample (latency, target ≤ 2 ms) and batch 50
/// (throughput, target ≥ onnxruntime's). The peer is onnxruntime's `InferenceSession.run`
/// on the same ONNX bytes, in a Python process (`--python` or `TANDEM_PYTHON`), measured in
/// the same run with its default threading. Then the TORCH case (ONNXBenchmark+Torch.swift)
/// and auto-batching (AutoBatchingBenchmark.swift); `--cases` picks among them.
struct ONNXBenchmark: BenchmarkArea {
    static let configuration = CommandConfiguration(
        commandName: "onnx", abstract: "In-database inference round trips against onnxruntime in process.")

    @OptionGroup var options: BenchmarkOptions

    @Option(help: "libTandemAI.so (default: $TANDEM_MODULE_PATH).")
    var module: String?

    @Option(help: "The redis-server executable ($REDIS_SERVER if set).")
    var redisServer = BenchServer.defaultExecutable

    @Option(help: "Python with onnxruntime (default: $TANDEM_PYTHON).")
    var python: String?

    @Option(help: "DiffusionResNet depth.")
    var depth = 4

    @Option(help: "Grid size.")
    var size = 64

    @Option(help: "Cases to run: inference (TandemAI against onnxruntime), torch, auto-batching (16 clients, BATCHSIZE 16 against no batching).")
    var cases: [String] = ["inference", "torch", "auto-batching"]

    @Option(help: "The TORCH backend library (default: $TANDEM_TORCH_BACKEND, else beside the module as make torch-backend puts it).")
    var torchBackend: String?

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let module = module ?? environment["TANDEM_MODULE_PATH"] else {
            throw ValidationError("give --module or set TANDEM_MODULE_PATH to libTandemAI.so (make module builds it)")
        }
        if cases.contains("inference") { try inferenceCases(module: module, python: python ?? environment["TANDEM_PYTHON"]) }
        if cases.contains("torch") {
            try runTorchCases(module: module, python: python ?? environment["TANDEM_PYTHON"], backend: torchBackend, batches: [1, 50])
        }
        if cases.contains("auto-batching") {
            try AutoBatchingBenchmark.run(module: module, redisServer: redisServer, depth: depth, size: size, options: options)
        }
    }

    /// One sample and batch 50 through TandemAI, against onnxruntime in process.
    private func inferenceCases(module: String, python: String?) throws {
        let model = DiffusionResNet<Float>(depth: depth, channels: 1, seed: 42)
        let bytes = model.onnxModel(height: size, width: size).serialized()
        let server = try BenchServer(executable: redisServer, module: module)
        defer { server.stop() }
        let connection = try server.connect()
        let store = [Array("AI.MODELSTORE".utf8), Array("surrogate".utf8), Array("ONNX".utf8), Array("CPU".utf8), Array("BLOB".utf8), bytes]
        let stored = try connection.send(store)
        guard stored == .simpleString("OK") else { throw ValidationError("AI.MODELSTORE failed: \(stored)") }
        let peer = try onnxruntimeFigures(bytes, python: python, batches: [1, 50])
        var generator = SeededGenerator(seed: 3)
        for (batch, name) in [(1, "latency"), (50, "throughput")] {
            let input = (0..<batch * size * size).map { _ in Float.random(in: 0...1, using: &generator) }
            let blob = input.withUnsafeBytes { Array($0) }
            let put = [Array("AI.TENSORSET".utf8), Array("u_init".utf8), Array("FLOAT".utf8)]
                + [batch, size, size, 1].map { Array("\($0)".utf8) } + [Array("BLOB".utf8), blob]
            let run = ["AI.MODELEXECUTE", "surrogate", "INPUTS", "1", "u_init", "OUTPUTS", "1", "u_pred"].map { Array($0.utf8) }
            let get = ["AI.TENSORGET", "u_pred", "BLOB"].map { Array($0.utf8) }
            // The output must be TandemNN's.
            _ = try connection.send(put)
            let ran = try connection.send(run)
            guard ran == .simpleString("OK"), case .bulkString(let out) = try connection.send(get) else {
                throw ValidationError("AI.MODELEXECUTE failed: \(ran)")
            }
            let got = out.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let expected = try Predictor(model: model, threads: 1).predict(Tensor(shape: [batch, size, size, 1], scalars: input)).scalars(as: Float.self)
            let difference = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
            guard got.count == expected.count, difference < 1e-3 else { throw ValidationError("wrong output (max difference \(difference))") }
            let repeats = options.quick ? (batch == 1 ? 20 : 3) : (batch == 1 ? 200 : 5 * options.measuredRepeats)
            let ms = try measureMedian(warmup: options.quick ? 2 : 5, repeats: repeats) {
                _ = try connection.send(put)
                _ = try connection.send(run)
                _ = try connection.send(get)
            }
            var record = BenchmarkRecord(bench: "onnx", case: "\(name) put+run+get", [
                "depth": depth, "size": size, "batch": batch, "repeats": repeats,
                "median_ms": ms, "per_s": Double(batch) * 1000 / ms,
            ])
            if let peerMs = peer[batch] {
                record.fields += [("peer", "onnxruntime in process"), ("peer_median_ms", peerMs),
                                  ("peer_per_s", Double(batch) * 1000 / peerMs), ("ratio", peerMs / ms)]
            } else {
                record.fields.append(("peer", "unavailable (set TANDEM_PYTHON to a Python with onnxruntime)"))
            }
            record.emit()
        }
    }

    /// onnxruntime's median milliseconds per `session.run` for each batch size (empty when no peer).
    private func onnxruntimeFigures(_ model: [UInt8], python: String?, batches: [Int]) throws -> [Int: Double] {
        guard let python, FileManager.default.isExecutableFile(atPath: python) else { return [:] }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-onnx-\(getpid()).onnx")
        try Data(model).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }
        let repeats = options.quick ? 5 : 50
        let script = """
        import sys, time, numpy as np, onnxruntime as ort
        s = ort.InferenceSession(sys.argv[1], providers=['CPUExecutionProvider'])
        for batch in map(int, sys.argv[3:]):
            x = np.random.default_rng(1).random((batch, \(size), \(size), 1), dtype=np.float32)
            for _ in range(3): s.run(None, {'input': x})
            times = []
            for _ in range(int(sys.argv[2]) if batch == 1 else max(3, int(sys.argv[2]) // 5)):
                t = time.perf_counter(); s.run(None, {'input': x}); times.append((time.perf_counter() - t) * 1000)
            print(batch, float(np.median(times)), flush=True)
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, path.path, "\(repeats)"] + batches.map(String.init)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var figures: [Int: Double] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let batch = Int(parts[0]), let ms = Double(parts[1]) { figures[batch] = ms }
        }
        return figures
    }
}
