import ArgumentParser
import Foundation
import ONNX
import RESP
import TandemNN
import TandemONNX
import TandemRedis
import TandemTensor

/// `tandem-bench onnx --cases auto-batching`: 16 clients at once, each on its own thread
/// and connection, make batch-1 round trips (`AI.TENSORSET`, `AI.MODELEXECUTE`,
/// `AI.TENSORGET`) to the exported DiffusionResNet stored with `BATCHSIZE 16`, against the
/// same clients on the same model stored without batching (one server, default
/// `THREADS_PER_QUEUE` 1). Throughput is requests per second over a round in which every
/// client makes its requests; the figure is the median of several rounds after a warm-up
/// round, rounds of the two models alternating. Every answer is checked against that client's unbatched answer, computed first.
enum AutoBatchingBenchmark {
    /// Clients at once.
    static let clients = 16

    static func run(module: String, redisServer: String, depth: Int, size: Int, options: BenchmarkOptions) throws {
        let model = DiffusionResNet<Float>(depth: depth, channels: 1, seed: 42)
        let bytes = model.onnxModel(height: size, width: size).serialized()
        let server = try BenchServer(executable: redisServer, module: module)
        defer { server.stop() }
        let setup = try server.connect()
        for (key, batching) in [("plain", [String]()), ("batched", ["BATCHSIZE", "\(clients)"])] {
            let command = ["AI.MODELSTORE", key, "ONNX", "CPU"].map { Array($0.utf8) } + batching.map { Array($0.utf8) }
                + [Array("BLOB".utf8), bytes]
            let stored = try setup.send(command)
            guard stored == .simpleString("OK") else { throw ValidationError("AI.MODELSTORE \(key) failed: \(stored)") }
        }

        // Each client's input and its answer from the unbatched model.
        var generator = SeededGenerator(seed: 11)
        var expected: [[UInt8]] = []
        var puts: [[[UInt8]]] = []
        for c in 0..<clients {
            let input = (0..<size * size).map { _ in Float.random(in: 0...1, using: &generator) }
            let put = [Array("AI.TENSORSET".utf8), Array("in\(c)".utf8), Array("FLOAT".utf8)]
                + [1, size, size, 1].map { Array("\($0)".utf8) } + [Array("BLOB".utf8), input.withUnsafeBytes { Array($0) }]
            guard try setup.send(put) == .simpleString("OK"),
                  try setup.send(command("AI.MODELEXECUTE", "plain", "INPUTS", "1", "in\(c)", "OUTPUTS", "1", "ref\(c)")) == .simpleString("OK"),
                  case .bulkString(let answer) = try setup.send(command("AI.TENSORGET", "ref\(c)", "BLOB")) else {
                throw ValidationError("the unbatched reference run failed")
            }
            expected.append(answer)
            puts.append(put)
        }

        let perClient = options.quick ? 4 : 64
        let rounds = options.measuredRepeats
        let connections = try (0..<clients).map { _ in ClientConnection(try server.connect()) }
        let keys = ["plain", "batched"]
        var perSecond: [String: [Double]] = [:]
        var wall: [String: Double] = [:]
        var worst: Float = 0
        // CPU seconds per request: Redis's main thread, the worker thread, the clients.
        var cpu: [String: (main: Double, worker: Double, clients: Double)] = [:]
        // Round 0 warms both up; then the two alternate round by round, so that other load on
        // the machine weighs on both alike.
        for round in 0...rounds {
            for key in keys {
                if round == 1 { _ = try setup.send(command("AI.INFO", key, "RESETSTAT")) }
                let before = try cpuSeconds(setup)
                let (seconds, difference) = try Self.round(key, connections: connections, puts: puts, requests: perClient, expected: expected)
                let after = try cpuSeconds(setup)
                worst = max(worst, difference)
                guard round > 0 else { continue }
                perSecond[key, default: []].append(Double(clients * perClient) / seconds)
                wall[key, default: 0] += seconds
                let sum = cpu[key] ?? (0, 0, 0)
                cpu[key] = (sum.main + after.main - before.main, sum.worker + after.worker - before.worker,
                            sum.clients + after.clients - before.clients)
            }
        }
        let requests = Double(clients * perClient * rounds) / 1e6
        var figures: [String: Double] = [:]
        // The share of the wall time the worker spent running the model, and the model's
        // mean run time per call (a batched call counts its whole batch's run time).
        var busy: [String: Double] = [:]
        var runMicroseconds: [String: Double] = [:]
        for key in keys {
            figures[key] = median(perSecond[key] ?? [0])
            if let sum = cpu[key] { cpu[key] = (sum.main / requests, sum.worker / requests, sum.clients / requests) }
            let info = try setup.send(command("AI.INFO", key)).array ?? []
            let duration = Double(info.count == 18 ? info[11].integer ?? 0 : 0)
            let calls = Double(info.count == 18 ? info[15].integer ?? 0 : 0)
            runMicroseconds[key] = calls > 0 ? duration / calls : 0
            busy[key] = duration / 1e6 / (wall[key] ?? 1)
        }
        let roundRatios = zip(perSecond["batched"] ?? [], perSecond["plain"] ?? []).map { $0 / $1 }
        let batches = try batchedRuns(setup)
        let perBatch = batches.runs > 0 ? Double(batches.requests) / Double(batches.runs) : 0
        let plain = figures["plain"] ?? 0, batched = figures["batched"] ?? 0
        BenchmarkRecord(bench: "onnx", case: "auto-batching", [
            "depth": depth, "size": size, "clients": clients, "batch": 1, "batchsize": clients,
            "requests_per_round": clients * perClient, "rounds": rounds,
            "batched_per_s": batched, "unbatched_per_s": plain, "ratio": plain > 0 ? batched / plain : 0,
            "batched_runs": batches.runs, "batched_requests": batches.requests,
            "mean_requests_per_batch": perBatch,
            "unbatched_run_us": runMicroseconds["plain"] ?? 0, "unbatched_worker_busy": busy["plain"] ?? 0,
            "batched_run_us_per_request": perBatch > 0 ? (runMicroseconds["batched"] ?? 0) / perBatch : 0,
            "unbatched_cpu_us_per_request": Self.describe(cpu["plain"]), "batched_cpu_us_per_request": Self.describe(cpu["batched"]),
            "round_ratios": roundRatios.map { String(format: "%.2f", $0) }.joined(separator: " "),
            "max_difference_from_unbatched": Double(worst),
        ]).emit()
    }

    /// One round: every client makes `requests` round trips on model `key` at once.
    ///
    /// - Returns: the round's wall time in seconds and the largest difference of any answer
    ///   from the client's unbatched answer.
    /// - Throws: when a request fails or an answer differs by more than 1e-4.
    private static func round(_ key: String, connections: [ClientConnection], puts: [[[UInt8]]], requests: Int,
                              expected: [[UInt8]]) throws -> (Double, Float) {
        let results = RoundResults()
        let done = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds
        for (c, client) in connections.enumerated() {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                do {
                    let connection = client.connection
                    let run = command("AI.MODELEXECUTE", key, "INPUTS", "1", "in\(c)", "OUTPUTS", "1", "out\(c)")
                    let get = command("AI.TENSORGET", "out\(c)", "BLOB")
                    for _ in 0..<requests {
                        let stored = try connection.send(puts[c])
                        let ran = try connection.send(run)
                        guard stored == .simpleString("OK"), ran == .simpleString("OK"), case .bulkString(let answer) = try connection.send(get) else {
                            results.fail("client \(c): \(ran)")
                            return
                        }
                        results.note(difference(answer, expected[c]))
                    }
                } catch {
                    results.fail("client \(c): \(error)")
                }
            }
            thread.start()
        }
        done.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let (failure, worst) = results.summary
        if let failure { throw ValidationError("auto-batching round on \(key) failed: \(failure)") }
        guard worst <= 1e-4 else { throw ValidationError("an answer on \(key) differs from the unbatched run by \(worst)") }
        return (seconds, worst)
    }

    /// The largest absolute difference between two FLOAT blobs (infinity if their sizes differ).
    private static func difference(_ a: [UInt8], _ b: [UInt8]) -> Float {
        guard a.count == b.count else { return .infinity }
        let x = a.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let y = b.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        return zip(x, y).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// `ai_batched_runs` and `ai_batched_requests` from the module's `INFO` section.
    private static func batchedRuns(_ connection: RedisConnection) throws -> (runs: Int, requests: Int) {
        guard case .bulkString(let text) = try connection.send(command("INFO", "modules")) else { return (0, 0) }
        var values: [String: Int] = [:]
        for line in String(decoding: text, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, let value = Int(parts[1]) { values[String(parts[0])] = value }
        }
        return (values["ai_batched_runs"] ?? 0, values["ai_batched_requests"] ?? 0)
    }

    /// CPU seconds so far of Redis's main thread and its CPU worker (from `INFO modules`) and
    /// of this process (the client threads).
    private static func cpuSeconds(_ connection: RedisConnection) throws -> (main: Double, worker: Double, clients: Double) {
        guard case .bulkString(let text) = try connection.send(command("INFO", "modules")) else { return (0, 0, 0) }
        var values: [String: Double] = [:]
        for line in String(decoding: text, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let own = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return ((values["ai_main_thread_used_cpu_sys"] ?? 0) + (values["ai_main_thread_used_cpu_user"] ?? 0),
                values["ai_queue_CPU_bthread_n1_used_cpu_total"] ?? 0, own)
    }

    private static func describe(_ figures: (main: Double, worker: Double, clients: Double)?) -> String {
        guard let figures else { return "" }
        return String(format: "redis main %.0f, worker %.0f, clients %.0f", figures.main, figures.worker, figures.clients)
    }

    private static func command(_ words: String...) -> [[UInt8]] { words.map { Array($0.utf8) } }
}

/// One client's connection, used by one thread at a time (a round's thread for that client).
private final class ClientConnection: @unchecked Sendable {
    let connection: RedisConnection
    init(_ connection: RedisConnection) { self.connection = connection }
}

/// What the client threads of one round report, under a lock.
private final class RoundResults: @unchecked Sendable {
    private let lock = NSLock()
    private var failure: String?
    private var worst: Float = 0

    func fail(_ message: String) { lock.lock(); if failure == nil { failure = message }; lock.unlock() }
    func note(_ difference: Float) { lock.lock(); worst = max(worst, difference); lock.unlock() }
    var summary: (String?, Float) { lock.lock(); defer { lock.unlock() }; return (failure, worst) }
}
