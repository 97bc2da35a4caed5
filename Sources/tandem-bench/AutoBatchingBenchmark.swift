import ArgumentParser
import Foundation
import ONNX
import RESP
import TandemNN
import TandemONNX
import TandemRedis
import TandemTensor

/// `tandem-bench onnx --cases auto-batching`: 16 clients at once, each on its own
/// connection (all driven by one thread, as `redis-benchmark` drives its clients: see
/// ``ClientLoop``), make batch-1 round trips (`AI.TENSORSET`, `AI.MODELEXECUTE`,
/// `AI.TENSORGET`, three request–reply exchanges) to a model stored with `BATCHSIZE 16`,
/// against the same clients on the same model stored without batching (one server per
/// model, default `THREADS_PER_QUEUE` 1). Throughput is requests per second over a round in
/// which every client makes its requests; the figure is the median of several rounds after
/// a warm-up round, rounds of the two models alternating. Every answer is checked against
/// that client's unbatched answer, computed first.
///
/// The same rounds are also run with a second protocol, on both models alike: each client
/// sends its three commands as one pipeline (one write, then the three replies), as
/// TandemClient's `runModel(_:putting:outputs:)` does. Its figures are the `pipelined_*`
/// fields; the unprefixed ones are the three-exchange protocol's.
///
/// Two models, one JSON line each (field `model`):
/// - `diffusion-resnet`: the exported DiffusionResNet (`--depth`, `--size`), which TandemAI
///   runs on its fused fast path; tiny (about 8.5k weights), so a run costs about the same
///   per sample at any batch and batching saves only the hand-offs around it;
/// - `mlp`: a dense ``DenseMLP`` on TandemONNX's general runtime (`Gemm` on its packed
///   weights), whose batch-1 run streams every weight from memory for one matrix–vector
///   product, while a batch multiplies each weight it reads by every row: the case batching
///   is for. Its answers are equal bit for bit batched or not (a row's sums never depend on
///   the batch).
///
/// With `TANDEM_BENCH_ROUND_LOG=<file>` set, each measured round appends a line
/// `<model> <key> <round> <start> <end>` (monotonic-clock nanoseconds) to that file, so a
/// profile recorded with `perf record -k CLOCK_MONOTONIC` can be cut into the batched and the
/// unbatched rounds (`scripts/profile-auto-batching.sh`).
enum AutoBatchingBenchmark {
    /// Clients at once.
    static let clients = 16

    /// One model the clients run.
    struct Subject {
        /// The `model` field of the JSON line.
        let name: String
        let bytes: [UInt8]
        /// One request's input shape (dim 0 is 1).
        let shape: [Int]
        /// Round trips per client per round.
        let requestsPerClient: Int
        /// Fields describing the model, written before the figures.
        let fields: [(String, Any)]
    }

    /// Measures both models, each on a server of its own started with `moduleArguments`
    /// (`--module-arguments`).
    static func run(module: String, redisServer: String, moduleArguments: [String] = [], depth: Int, size: Int,
                    options: BenchmarkOptions) throws {
        let resnet = DiffusionResNet<Float>(depth: depth, channels: 1, seed: 42)
        try measure(Subject(name: "diffusion-resnet", bytes: resnet.onnxModel(height: size, width: size).serialized(),
                            shape: [1, size, size, 1], requestsPerClient: options.quick ? 4 : 64,
                            fields: [("depth", depth), ("size", size)]),
                    module: module, redisServer: redisServer, moduleArguments: moduleArguments, options: options)
        let mlp = DenseMLP(seed: 42)
        try measure(Subject(name: "mlp", bytes: mlp.onnxModel().serialized(), shape: [1, mlp.widths[0]],
                            requestsPerClient: options.quick ? 2 : 64,
                            fields: [("widths", mlp.widths.map(String.init).joined(separator: "-")),
                                     ("parameters", mlp.parameterCount),
                                     ("in_process_run_ms_by_batch", try runTimesByBatch(mlp, options: options))]),
                    module: module, redisServer: redisServer, moduleArguments: moduleArguments, options: options)
    }

    /// The MLP's run time in this process (TandemONNX, the kernels the module runs) at each
    /// batch a `BATCHSIZE 16` run can have, as `rows:milliseconds` pairs: what a batch
    /// costs against its rows, with no server in between.
    static func runTimesByBatch(_ mlp: DenseMLP, options: BenchmarkOptions) throws -> String {
        let session = try ONNXSession(model: mlp.onnxModel())
        var generator = SeededGenerator(seed: 5)
        return try (1...clients).map { rows in
            let input = Tensor(shape: [rows, mlp.widths[0]], scalars: (0..<(rows * mlp.widths[0])).map { _ in
                Float.random(in: 0...1, using: &generator)
            })
            let milliseconds = try measureMedian(warmup: 2, repeats: options.quick ? 3 : 15) { _ = try session.run([input]) }
            return "\(rows):" + String(format: "%.2f", milliseconds)
        }.joined(separator: " ")
    }

    /// Runs the rounds on one model and emits its line.
    static func measure(_ subject: Subject, module: String, redisServer: String, moduleArguments: [String],
                        options: BenchmarkOptions) throws {
        let server = try BenchServer(executable: redisServer, module: module, moduleArguments: moduleArguments)
        defer { server.stop() }
        let setup = try server.connect()
        for (key, batching) in [("plain", [String]()), ("batched", ["BATCHSIZE", "\(clients)"])] {
            let command = ["AI.MODELSTORE", key, "ONNX", "CPU"].map { Array($0.utf8) } + batching.map { Array($0.utf8) }
                + [Array("BLOB".utf8), subject.bytes]
            let stored = try setup.send(command)
            guard stored == .simpleString("OK") else { throw ValidationError("AI.MODELSTORE \(key) of \(subject.name) failed: \(stored)") }
        }

        // Each client's input and its answer from the unbatched model.
        var generator = SeededGenerator(seed: 11)
        var expected: [[UInt8]] = []
        var puts: [[[UInt8]]] = []
        let elements = subject.shape.reduce(1, *)
        for c in 0..<clients {
            let input = (0..<elements).map { _ in Float.random(in: 0...1, using: &generator) }
            let put = [Array("AI.TENSORSET".utf8), Array("in\(c)".utf8), Array("FLOAT".utf8)]
                + subject.shape.map { Array("\($0)".utf8) } + [Array("BLOB".utf8), input.withUnsafeBytes { Array($0) }]
            guard try setup.send(put) == .simpleString("OK"),
                  try setup.send(command("AI.MODELEXECUTE", "plain", "INPUTS", "1", "in\(c)", "OUTPUTS", "1", "ref\(c)")) == .simpleString("OK"),
                  case .bulkString(let answer) = try setup.send(command("AI.TENSORGET", "ref\(c)", "BLOB")) else {
                throw ValidationError("the unbatched reference run of \(subject.name) failed")
            }
            expected.append(answer)
            puts.append(put)
        }

        let perClient = subject.requestsPerClient
        // A round's batches settle into two groups of clients that take turns, sized by how
        // the round happened to start (see "Where batching pays" in RedisModule.md), so
        // rounds vary more than other cases' repeats: at least nine of them.
        let rounds = options.quick ? options.measuredRepeats : max(9, options.measuredRepeats)
        var roundLines: [String] = []
        let loop = try ClientLoop(port: server.port, count: clients)
        let keys = ["plain", "batched"]
        // Each model key with both protocols; a variant's label is its key, with
        // `-pipelined` for the pipelined protocol.
        let variants = [false, true].flatMap { pipelined in keys.map { (key: $0, pipelined: pipelined) } }
        func label(_ key: String, _ pipelined: Bool) -> String { pipelined ? key + "-pipelined" : key }
        var perSecond: [String: [Double]] = [:]
        var wall: [String: Double] = [:]
        var worst: Float = 0
        // CPU seconds per request: Redis's main thread, the worker thread, the clients.
        var cpu: [String: (main: Double, worker: Double, clients: Double)] = [:]
        // Round 0 warms every variant up; then they alternate round by round, so that other
        // load on the machine weighs on all alike.
        for round in 0...rounds {
            if round == 1 { for key in keys { _ = try setup.send(command("AI.INFO", key, "RESETSTAT")) } }
            for (key, pipelined) in variants {
                let name = label(key, pipelined)
                let before = try cpuSeconds(setup)
                let started = monotonicNanoseconds()
                let (seconds, difference) = try Self.round(key, pipelined: pipelined, loop: loop, puts: puts,
                                                           requests: perClient, expected: expected)
                let ended = monotonicNanoseconds()
                let after = try cpuSeconds(setup)
                worst = max(worst, difference)
                guard round > 0 else { continue }
                roundLines.append("\(subject.name) \(name) \(round) \(started) \(ended)\n")
                perSecond[name, default: []].append(Double(clients * perClient) / seconds)
                wall[key, default: 0] += seconds
                let sum = cpu[name] ?? (0, 0, 0)
                cpu[name] = (sum.main + after.main - before.main, sum.worker + after.worker - before.worker,
                             sum.clients + after.clients - before.clients)
            }
        }
        if let path = ProcessInfo.processInfo.environment["TANDEM_BENCH_ROUND_LOG"], let file = fopen(path, "a") {
            for line in roundLines { fputs(line, file) }
            fclose(file)
        }
        let requests = Double(clients * perClient * rounds) / 1e6
        var figures: [String: Double] = [:]
        for (key, pipelined) in variants {
            let name = label(key, pipelined)
            figures[name] = median(perSecond[name] ?? [0])
            if let sum = cpu[name] { cpu[name] = (sum.main / requests, sum.worker / requests, sum.clients / requests) }
        }
        // The share of the wall time the worker spent running the model, and the model's
        // mean run time per call (a batched call counts its whole batch's run time), over
        // the rounds of both protocols.
        var busy: [String: Double] = [:]
        var runMicroseconds: [String: Double] = [:]
        for key in keys {
            let info = try setup.send(command("AI.INFO", key)).array ?? []
            let duration = Double(info.count == 18 ? info[11].integer ?? 0 : 0)
            let calls = Double(info.count == 18 ? info[15].integer ?? 0 : 0)
            runMicroseconds[key] = calls > 0 ? duration / calls : 0
            busy[key] = duration / 1e6 / (wall[key] ?? 1)
        }
        func ratios(_ suffix: String) -> String {
            zip(perSecond["batched" + suffix] ?? [], perSecond["plain" + suffix] ?? []).map { String(format: "%.2f", $0 / $1) }
                .joined(separator: " ")
        }
        func ratio(_ suffix: String) -> Double {
            let plain = figures["plain" + suffix] ?? 0
            return plain > 0 ? (figures["batched" + suffix] ?? 0) / plain : 0
        }
        let batches = try batchedRuns(setup)
        let perBatch = batches.runs > 0 ? Double(batches.requests) / Double(batches.runs) : 0
        var record = BenchmarkRecord(bench: "onnx", case: "auto-batching", [
            "model": subject.name,
        ])
        record.fields += subject.fields
        record.fields += [
            ("clients", clients), ("batch", 1), ("batchsize", clients),
            ("requests_per_round", clients * perClient), ("rounds", rounds),
            ("batched_per_s", figures["batched"] ?? 0), ("unbatched_per_s", figures["plain"] ?? 0), ("ratio", ratio("")),
            ("batched_runs", batches.runs), ("batched_requests", batches.requests),
            ("mean_requests_per_batch", perBatch),
            ("unbatched_run_us", runMicroseconds["plain"] ?? 0), ("unbatched_worker_busy", busy["plain"] ?? 0),
            ("batched_run_us_per_request", perBatch > 0 ? (runMicroseconds["batched"] ?? 0) / perBatch : 0),
            ("unbatched_cpu_us_per_request", Self.describe(cpu["plain"])), ("batched_cpu_us_per_request", Self.describe(cpu["batched"])),
            ("round_ratios", ratios("")),
            ("pipelined_batched_per_s", figures["batched-pipelined"] ?? 0), ("pipelined_unbatched_per_s", figures["plain-pipelined"] ?? 0),
            ("pipelined_ratio", ratio("-pipelined")),
            ("pipelined_unbatched_cpu_us_per_request", Self.describe(cpu["plain-pipelined"])),
            ("pipelined_batched_cpu_us_per_request", Self.describe(cpu["batched-pipelined"])),
            ("pipelined_round_ratios", ratios("-pipelined")),
            ("max_difference_from_unbatched", Double(worst)),
        ]
        record.emit()
    }

    /// The monotonic clock in nanoseconds (the clock `perf record -k CLOCK_MONOTONIC` stamps samples with).
    private static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// One round: every client makes `requests` round trips on model `key` at once.
    ///
    /// - Returns: the round's wall time in seconds and the largest difference of any answer
    ///   from the client's unbatched answer.
    /// - Throws: when a request fails or an answer differs by more than 1e-4.
    private static func round(_ key: String, pipelined: Bool, loop: ClientLoop, puts: [[[UInt8]]], requests: Int,
                              expected: [[UInt8]]) throws -> (Double, Float) {
        var worst: Float = 0
        let scripts = (0..<loop.count).map { c in
            let put = RESPEncoder.command(puts[c])
            let run = RESPEncoder.command(command("AI.MODELEXECUTE", key, "INPUTS", "1", "in\(c)", "OUTPUTS", "1", "out\(c)"))
            let get = RESPEncoder.command(command("AI.TENSORGET", "out\(c)", "BLOB"))
            return ClientLoop.Script(exchanges: pipelined ? [(put + run + get, 3)] : [(put, 1), (run, 1), (get, 1)]) { replies in
                guard replies.count == 3, replies[0] == .simpleString("OK"), replies[1] == .simpleString("OK"),
                      case .bulkString(let answer) = replies[2] else {
                    throw ValidationError("client \(c) on \(key): \(replies)")
                }
                worst = max(worst, difference(answer, expected[c]))
            }
        }
        let seconds = try loop.run(scripts, passes: requests)
        guard worst <= 1e-4 else { throw ValidationError("an answer on \(key) differs from the unbatched run by \(worst)") }
        return (seconds, worst)
    }

    /// The largest absolute difference between two FLOAT blobs (infinity if their sizes
    /// differ), read in place: the clients share the server's two cores, so the check must
    /// not cost them more than it needs to (equal bytes, the usual case, are one `memcmp`).
    private static func difference(_ a: [UInt8], _ b: [UInt8]) -> Float {
        guard a.count == b.count else { return .infinity }
        return a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in
                guard let p = x.baseAddress, let q = y.baseAddress, memcmp(p, q, x.count) != 0 else { return 0 }
                var worst: Float = 0
                for i in 0..<(x.count / MemoryLayout<Float>.size) {
                    let u = x.loadUnaligned(fromByteOffset: i * 4, as: Float.self)
                    let v = y.loadUnaligned(fromByteOffset: i * 4, as: Float.self)
                    let d = abs(u - v)
                    worst = d.isNaN ? .infinity : max(worst, d)
                }
                return worst
            }
        }
    }

    /// The `key:value` fields of `INFO modules` (the module's sections).
    private static func moduleInfo(_ connection: RedisConnection) throws -> [String: String] {
        guard case .bulkString(let text) = try connection.send(command("INFO", "modules")) else { return [:] }
        return ClusterFormation.infoFields(String(decoding: text, as: UTF8.self))
    }

    /// `ai_batched_runs` and `ai_batched_requests` from the module's `INFO` section.
    private static func batchedRuns(_ connection: RedisConnection) throws -> (runs: Int, requests: Int) {
        let info = try moduleInfo(connection)
        return (info["ai_batched_runs"].flatMap { Int($0) } ?? 0, info["ai_batched_requests"].flatMap { Int($0) } ?? 0)
    }

    /// CPU seconds so far of Redis's main thread and its CPU worker (from `INFO modules`) and
    /// of this process (the client threads).
    private static func cpuSeconds(_ connection: RedisConnection) throws -> (main: Double, worker: Double, clients: Double) {
        let info = try moduleInfo(connection)
        func seconds(_ key: String) -> Double { info[key].flatMap { Double($0) } ?? 0 }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let own = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return (seconds("ai_main_thread_used_cpu_sys") + seconds("ai_main_thread_used_cpu_user"),
                seconds("ai_queue_CPU_bthread_n1_used_cpu_total"), own)
    }

    private static func describe(_ figures: (main: Double, worker: Double, clients: Double)?) -> String {
        guard let figures else { return "" }
        return String(format: "redis main %.0f, worker %.0f, clients %.0f", figures.main, figures.worker, figures.clients)
    }

    private static func command(_ words: String...) -> [[UInt8]] { words.map { Array($0.utf8) } }
}
