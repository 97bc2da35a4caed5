import ArgumentParser
import Foundation
import ONNX
import RESP
import TandemClient
import TandemNN
import TandemONNX
import TandemRedis
import TandemTensor

/// `tandem-bench onnx`: in-database inference of DiffusionResNet against onnxruntime in
/// process.
///
/// One `redis-server` with TandemAI. Three models of the same network (depth 4, 64×64): the
/// one TandemONNX exports, the one PyTorch's TorchScript exporter writes for the same
/// network defined in PyTorch (`scripts/reference/torch_onnx_export.py`, opset 17; needs
/// torch at `TANDEM_PYTHON`), and tf2onnx's export of it built in Keras (the committed
/// fixture `Tests/TandemONNXTests/Fixtures/keras-tf2onnx-depth4-64.onnx`, at that depth and
/// size only). TandemAI recognizes all three and runs them on TandemNN's fused
/// predictor (the "fast path"). Each is stored with `AI.MODELSTORE … ONNX CPU`. A round
/// trip is what a client does: put the input (`AI.TENSORSET … BLOB`), run
/// (`AI.MODELEXECUTE`), get the output (`AI.TENSORGET … BLOB`), sent as one pipeline by
/// TandemClient's `runModel(_:putting:outputs:)` ("pipelined"), as the same three
/// commands in one write on a bare connection ("pipelined raw RESP", no client library),
/// and as three request–reply exchanges ("unpipelined"). Cases: one sample (latency) and batch 50
/// (throughput); targets: latency at most onnxruntime's, throughput at least 1.5× it.
/// The peer is onnxruntime's `InferenceSession.run` on the same ONNX bytes, in a Python
/// process (`--python` or `TANDEM_PYTHON`), measured in the same run with its default
/// threading. Then the TORCH case (ONNXBenchmark+Torch.swift) and auto-batching
/// (AutoBatchingBenchmark.swift); `--cases` picks among them.
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

    @Option(help: "The TORCH backend library (default: $TANDEM_TORCH_BACKEND, else beside the module as make torch-backend puts it).")
    var torchBackend: String?

    @Option(help: "Load-time arguments for TandemAI, e.g. \"INTRA_OP_PARALLELISM 1\".")
    var moduleArguments: [String] = []

    @Option(help: "Cases to run: inference (TandemAI against onnxruntime), torch, auto-batching (16 clients, BATCHSIZE 16 against no batching).")
    var cases: [String] = ["inference", "torch", "auto-batching"]

    /// One exported model: its bytes, and a batch-50 input with the output it must give.
    struct Export {
        let name: String
        let bytes: [UInt8]
        let input: [Float]
        let expected: [Float]
        /// What onnxruntime runs when it differs from `bytes` (the same computation).
        var peerBytes: [UInt8]? = nil
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let module = module ?? environment["TANDEM_MODULE_PATH"] else {
            throw ValidationError("give --module or set TANDEM_MODULE_PATH to libTandemAI.so (make module builds it)")
        }
        let python = python ?? environment["TANDEM_PYTHON"]
        if cases.contains("inference") { try inferenceCases(module: module, python: python) }
        if cases.contains("torch") { try runTorchCases(module: module, python: python, backend: torchBackend, batches: [1, 50]) }
        if cases.contains("auto-batching") {
            try AutoBatchingBenchmark.run(module: module, redisServer: redisServer, moduleArguments: moduleArguments, depth: depth, size: size, options: options)
        }
    }

    /// Both exports at one sample and batch 50 through TandemAI, against onnxruntime in process.
    private func inferenceCases(module: String, python: String?) throws {
        let server = try BenchServer(executable: redisServer, module: module, moduleArguments: moduleArguments)
        defer { server.stop() }
        var exports = [try tandemExport()]
        switch torchExport(python: python) {
        case .success(let export): exports.append(export)
        case .failure(let why):
            BenchmarkRecord(bench: "onnx", case: "pytorch export", ["peer": "unavailable", "reason": "\(why)"]).emit()
        }
        switch kerasExport() {
        case .success(let export): exports.append(export)
        case .failure(let why):
            BenchmarkRecord(bench: "onnx", case: "keras-tf2onnx export", ["peer": "unavailable", "reason": "\(why)"]).emit()
        }
        for export in exports { try runCases(export, server: server, python: python) }
    }

    /// TandemONNX's export of a seeded network, with TandemNN's output.
    private func tandemExport() throws -> Export {
        let model = DiffusionResNet<Float>(depth: depth, channels: 1, seed: 42)
        var generator = SeededGenerator(seed: 3)
        let input = (0..<50 * size * size).map { _ in Float.random(in: 0...1, using: &generator) }
        let expected = try Predictor(model: model, threads: 1).predict(Tensor(shape: [50, size, size, 1], scalars: input)).scalars(as: Float.self)
        return Export(name: "tandem", bytes: model.onnxModel(height: size, width: size).serialized(), input: input, expected: expected)
    }

    /// Runs the four cases of one export: latency and throughput, pipelined and not.
    private func runCases(_ export: Export, server: BenchServer, python: String?) throws {
        let key = "surrogate-\(export.name)"
        let connection = try server.connect()
        let stored = try connection.send([Array("AI.MODELSTORE".utf8), Array(key.utf8), Array("ONNX".utf8), Array("CPU".utf8), Array("BLOB".utf8), export.bytes])
        guard stored == .simpleString("OK") else { throw ValidationError("AI.MODELSTORE of the \(export.name) export failed: \(stored)") }
        let client = try Client(address: .tcp(host: "127.0.0.1", port: server.port))
        let peer = try onnxruntimeFigures(export.peerBytes ?? export.bytes, python: python, batches: [1, 50])
        for (batch, name) in [(1, "latency"), (50, "throughput")] {
            let per = size * size
            let input = Tensor(shape: [batch, size, size, 1], scalars: Array(export.input[0..<(batch * per)]))
            let expected = Array(export.expected[0..<(batch * per)])
            let put = [Array("AI.TENSORSET".utf8), Array("u_init".utf8), Array("FLOAT".utf8)]
                + [batch, size, size, 1].map { Array("\($0)".utf8) } + [Array("BLOB".utf8), input.bytes]
            let run = ["AI.MODELEXECUTE", key, "INPUTS", "1", "u_init", "OUTPUTS", "1", "u_pred"].map { Array($0.utf8) }
            let get = ["AI.TENSORGET", "u_pred", "BLOB"].map { Array($0.utf8) }
            // The output must be the network's.
            let got = try client.runModel(key, putting: [("u_init", input)], outputs: ["u_pred"])[0].scalars(as: Float.self)
            let difference = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
            guard got.count == expected.count, difference < 1e-3 else {
                throw ValidationError("\(export.name) export: wrong output (max difference \(difference))")
            }
            let repeats = options.quick ? (batch == 1 ? 20 : 3) : (batch == 1 ? 400 : 5 * options.measuredRepeats)
            let pipelined = try measureMedian(warmup: options.quick ? 2 : 20, repeats: repeats) {
                _ = try client.runModel(key, putting: [("u_init", input)], outputs: ["u_pred"])
            }
            // The same pipeline without the client library: one write of the three commands.
            let commands = [Command(arguments: put), Command(arguments: run), Command(arguments: get)]
            let raw = try measureMedian(warmup: options.quick ? 2 : 20, repeats: repeats) {
                _ = try connection.exchange(commands)
            }
            let unpipelined = try measureMedian(warmup: options.quick ? 2 : 20, repeats: repeats) {
                _ = try connection.send(put)
                _ = try connection.send(run)
                _ = try connection.send(get)
            }
            if batch == 1 {
                // Where a round trip's time goes: the run alone (input stored), and moving the
                // tensors alone (put and get in one write, no run).
                let runOnly = try measureMedian(warmup: options.quick ? 2 : 20, repeats: repeats) { _ = try connection.send(run) }
                let transfer = [Command(arguments: put), Command(arguments: get)]
                let moveOnly = try measureMedian(warmup: options.quick ? 2 : 20, repeats: repeats) { _ = try connection.exchange(transfer) }
                BenchmarkRecord(bench: "onnx", case: "\(export.name) export latency breakdown", [
                    "export": export.name, "module_arguments": moduleArguments.joined(separator: " "), "batch": 1, "repeats": repeats,
                    "run_only_median_ms": runOnly, "put_get_only_median_ms": moveOnly, "round_trip_raw_median_ms": raw,
                ]).emit()
            }
            for (mode, ms) in [("pipelined", pipelined), ("pipelined raw RESP", raw), ("unpipelined", unpipelined)] {
                var record = BenchmarkRecord(bench: "onnx", case: "\(export.name) export \(name) put+run+get \(mode)", [
                    "export": export.name, "kernels": KernelSet.active.rawValue, "module_arguments": moduleArguments.joined(separator: " "),
                    "depth": depth, "size": size, "batch": batch, "repeats": repeats,
                    "median_ms": ms, "per_s": Double(batch) * 1000 / ms,
                ])
                if let peerMs = peer[batch] {
                    let target = batch == 1 ? "latency <= onnxruntime's" : "throughput >= 1.5x onnxruntime's"
                    record.fields += [("peer", "onnxruntime in process"), ("peer_median_ms", peerMs),
                                      ("peer_per_s", Double(batch) * 1000 / peerMs), ("ratio", peerMs / ms),
                                      ("target", target), ("target_met", batch == 1 ? ms <= peerMs : peerMs / ms >= 1.5)]
                } else {
                    record.fields.append(("peer", "unavailable (set TANDEM_PYTHON to a Python with onnxruntime)"))
                }
                record.emit()
            }
        }
    }

    /// PyTorch's export of the same network (weights seeded by PyTorch), with PyTorch's output.
    private func torchExport(python: String?) -> Result<Export, ValidationError> {
        guard let python, FileManager.default.isExecutableFile(atPath: python) else {
            return .failure(ValidationError("set TANDEM_PYTHON to a Python with torch"))
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-torch-onnx-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let path = folder.appendingPathComponent("model.onnx")
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("scripts/reference/torch_onnx_export.py")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [script.path, "--out", path.path, "--depth", "\(depth)", "--size", "\(size)", "--batch", "50"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            if process.terminationStatus == 3 { return .failure(ValidationError("torch is not importable by \(python)")) }
            guard process.terminationStatus == 0 else { return .failure(ValidationError("torch_onnx_export.py failed (status \(process.terminationStatus))")) }
            func floats(_ name: String) throws -> [Float] {
                try Data(contentsOf: folder.appendingPathComponent(name)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            }
            return .success(Export(name: "pytorch", bytes: Array(try Data(contentsOf: path)), input: try floats("input.bin"), expected: try floats("output.bin")))
        } catch {
            return .failure(ValidationError("\(error)"))
        }
    }

    /// tf2onnx's export of the network built in Keras (the committed fixture, depth 4 and
    /// 64×64 only; weights seeded by `scripts/reference/keras_tf2onnx_export.py`), with the
    /// general runtime's output. onnxruntime refuses tf2onnx's negative `ConvTranspose` pads
    /// and gets the same computation written with `output_padding`.
    private func kerasExport() -> Result<Export, ValidationError> {
        guard depth == 4, size == 64 else { return .failure(ValidationError("the Keras fixture is depth 4, 64x64")) }
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/TandemONNXTests/Fixtures/keras-tf2onnx-depth4-64.onnx")
        do {
            let bytes = Array(try Data(contentsOf: path))
            let model = try ONNXModel(serialized: bytes)
            var generator = SeededGenerator(seed: 3)
            let input = (0..<50 * size * size).map { _ in Float.random(in: 0...1, using: &generator) }
            let expected = try ONNXSession(model: model).run([Tensor(shape: [50, size, size, 1], scalars: input)])[0].scalars(as: Float.self)
            return .success(Export(name: "keras-tf2onnx", bytes: bytes, input: input, expected: expected,
                                   peerBytes: model.withOutputPaddingForNegativePads().serialized()))
        } catch {
            return .failure(ValidationError("\(error)"))
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
