import Foundation
import ONNX
import RESP
import Testing
import TandemRedis
import TandemTesting

/// Auto-batching (`BATCHSIZE`, `MINBATCHSIZE`, `MINBATCHTIMEOUT`): concurrent
/// `AI.MODELEXECUTE` calls on one model run as one batch and each client gets exactly its
/// rows, compared with runs of the same model stored without batching.
///
/// No test depends on timing: `MINBATCHSIZE` without a timeout holds requests until enough
/// rows arrive, so which requests join is decided by what the test sends. A request still
/// waiting is shown by a run of another model on the same queue (one worker thread) being
/// answered while the waiting clients stay blocked.
@Suite(.needsModule) struct AutoBatchingTests {
    static let ok = RESPValue.simpleString("OK")

    /// Four clients (1, 2, 3 and 4 rows) on a model that waits for 10 rows: one run, each
    /// client gets the rows the unbatched model gives for its input, and `AI.INFO` counts
    /// four calls of ten samples with the batch's run time for each.
    @Test func concurrentClientsJoinOneRunAndGetTheirRows() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "1"])
        let c = try server.connect()
        let blob = Self.matMulReluModel()
        #expect(try c.call("AI.MODELSTORE", "b", "ONNX", "CPU", "BATCHSIZE", 16, "MINBATCHSIZE", 10, "BLOB", blob) == Self.ok)
        #expect(try c.call("AI.MODELSTORE", "plain", "ONNX", "CPU", "BLOB", blob) == Self.ok)
        let rows = [1, 2, 3, 4]
        for (k, n) in rows.enumerated() { try Self.setInput(c, "in\(k)", rows: n, width: 4, seed: k) }
        let clients = try rows.map { _ in try server.connect() }
        for (k, client) in clients.enumerated() {
            try Self.send(client, ["AI.MODELEXECUTE", "b", "INPUTS", "1", "in\(k)", "OUTPUTS", "1", "out\(k)"])
        }
        for client in clients { #expect(try client.readReply() == Self.ok) }
        for (k, n) in rows.enumerated() {
            #expect(try c.call("AI.MODELEXECUTE", "plain", "INPUTS", 1, "in\(k)", "OUTPUTS", 1, "ref\(k)") == Self.ok)
            try Self.expectSame(c, "out\(k)", "ref\(k)", rows: n, width: 4)
        }
        #expect(try Self.batches(c) == [1, 4])
        let info = try #require(try c.call("AI.INFO", "b").array)
        #expect(Array(info[12...]) == [bulk("samples"), .integer(10), bulk("calls"), .integer(4), bulk("errors"), .integer(0)])
        let duration = try #require(info[11].integer)
        #expect(duration >= 0 && duration % 4 == 0, "each request adds the batch's run time: \(duration)")
    }

    /// A dense layer large enough to stream its weights and split its columns over threads
    /// (`Gemm` 1024 → 1024 on packed weights, a sum of 1,024 products per value): eleven rows
    /// from four clients in one run give the bytes the unbatched model gives each client.
    @Test func aBatchedDenseLayerAnswersEachClientBitForBit() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "1"])
        let c = try server.connect()
        let width = 1024
        var weights = [Float](repeating: 0, count: width * width)
        for i in weights.indices { weights[i] = Float((i * 7919) % 2003) / 1001.5 - 1 }
        let blob = ONNXModel(opsetImports: [.init(version: 17)], graph: ONNXGraph(
            name: "dense", nodes: [ONNXNode(opType: "Gemm", inputs: ["x", "w"], outputs: ["y"],
                                            attributes: [ONNXAttribute(name: "transB", .int(1))])],
            initializers: [ONNXTensor(name: "w", dims: [Int64(width), Int64(width)], floats: weights)],
            inputs: [ONNXValueInfo(name: "x", elementType: .float, shape: [.parameter("N"), .value(Int64(width))])],
            outputs: [ONNXValueInfo(name: "y", elementType: .float, shape: [.parameter("N"), .value(Int64(width))])])).serialized()
        #expect(try c.call("AI.MODELSTORE", "b", "ONNX", "CPU", "BATCHSIZE", 16, "MINBATCHSIZE", 11, "BLOB", blob) == Self.ok)
        #expect(try c.call("AI.MODELSTORE", "plain", "ONNX", "CPU", "BLOB", blob) == Self.ok)
        let rows = [1, 5, 2, 3]
        for (k, n) in rows.enumerated() { try Self.setInput(c, "in\(k)", rows: n, width: width, seed: k) }
        let clients = try rows.map { _ in try server.connect() }
        for (k, client) in clients.enumerated() {
            try Self.send(client, ["AI.MODELEXECUTE", "b", "INPUTS", "1", "in\(k)", "OUTPUTS", "1", "out\(k)"])
        }
        for client in clients { #expect(try client.readReply() == Self.ok) }
        #expect(try Self.batches(c) == [1, 4])
        for (k, n) in rows.enumerated() {
            #expect(try c.call("AI.MODELEXECUTE", "plain", "INPUTS", 1, "in\(k)", "OUTPUTS", 1, "ref\(k)") == Self.ok)
            try Self.expectSame(c, "out\(k)", "ref\(k)", rows: n, width: width)
        }
    }

    /// Sixteen threads, each with its own connection, run a batched model many times with
    /// inputs of 1 to 3 rows: every answer equals the unbatched model's for that input.
    @Test func sixteenThreadsEachGetExactlyTheirRows() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "1"])
        let setup = try server.connect()
        let blob = Self.matMulReluModel()
        #expect(try setup.call("AI.MODELSTORE", "b", "ONNX", "CPU", "BATCHSIZE", 16, "BLOB", blob) == Self.ok)
        #expect(try setup.call("AI.MODELSTORE", "plain", "ONNX", "CPU", "BLOB", blob) == Self.ok)
        let threads = 16, rounds = 6
        let failures = FailureList()
        let done = DispatchGroup()
        for t in 0..<threads {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                do {
                    let c = try server.connect()
                    for r in 0..<rounds {
                        let n = (t + r) % 3 + 1
                        try Self.setInput(c, "in\(t)", rows: n, width: 4, seed: 100 * t + r)
                        let batched = try c.call("AI.MODELEXECUTE", "b", "INPUTS", 1, "in\(t)", "OUTPUTS", 1, "out\(t)")
                        let plain = try c.call("AI.MODELEXECUTE", "plain", "INPUTS", 1, "in\(t)", "OUTPUTS", 1, "ref\(t)")
                        guard batched == Self.ok, plain == Self.ok else {
                            failures.add("thread \(t) round \(r): \(batched) / \(plain)")
                            continue
                        }
                        let got = try c.call("AI.TENSORGET", "out\(t)", "META", "BLOB")
                        let want = try c.call("AI.TENSORGET", "ref\(t)", "META", "BLOB")
                        if got != want || got.array?[3] != .array([.integer(Int64(n)), .integer(4)]) {
                            failures.add("thread \(t) round \(r): rows differ")
                        }
                    }
                } catch {
                    failures.add("thread \(t): \(error)")
                }
            }
            thread.start()
        }
        #expect(done.wait(timeout: .now() + 300) == .success)
        #expect(failures.all.isEmpty, "\(failures.all)")
        let info = try #require(try setup.call("AI.INFO", "b").array)
        #expect(info[15] == .integer(Int64(threads * rounds)))
        #expect(info[17] == .integer(0))
        let samples = (0..<threads).reduce(0) { sum, t in sum + (0..<rounds).reduce(0) { $0 + (t + $1) % 3 + 1 } }
        #expect(info[13] == .integer(Int64(samples)))
    }

    /// `MINBATCHSIZE` without a timeout: two 1-row requests wait (a later run of another
    /// model goes ahead of them) until a third arrives; then all three run as one batch.
    @Test func minBatchSizeHoldsRequestsUntilEnoughRowsArrive() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "1"])
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "b", "ONNX", "CPU", "BATCHSIZE", 8, "MINBATCHSIZE", 3, "BLOB", Self.reluModel()) == Self.ok)
        #expect(try c.call("AI.MODELSTORE", "other", "ONNX", "CPU", "BLOB", Self.reluModel()) == Self.ok)
        let clients = try (0..<3).map { _ in try server.connect() }
        for k in 0..<3 { try Self.setInput(c, "in\(k)", rows: 1, width: 4, seed: k) }
        for k in 0..<2 { try Self.send(clients[k], ["AI.MODELEXECUTE", "b", "INPUTS", "1", "in\(k)", "OUTPUTS", "1", "out\(k)"]) }
        try Self.expectWaiting(c, blocked: 2)
        #expect(try c.call("EXISTS", "out0", "out1") == .integer(0))
        try Self.send(clients[2], ["AI.MODELEXECUTE", "b", "INPUTS", "1", "in2", "OUTPUTS", "1", "out2"])
        for client in clients { #expect(try client.readReply() == Self.ok) }
        for k in 0..<3 {
            #expect(try c.call("AI.MODELEXECUTE", "other", "INPUTS", 1, "in\(k)", "OUTPUTS", 1, "ref\(k)") == Self.ok)
            try Self.expectSame(c, "out\(k)", "ref\(k)", rows: 1, width: 4)
        }
        #expect(try Self.batches(c) == [1, 3])
    }

    /// `MINBATCHTIMEOUT`: a batch smaller than `MINBATCHSIZE` still runs once its oldest
    /// request has waited that long, alone or with whatever joined it.
    @Test func minBatchTimeoutRunsASmallBatch() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "1"])
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "b", "ONNX", "CPU", "BATCHSIZE", 8, "MINBATCHSIZE", 6, "MINBATCHTIMEOUT", 20,
                           "BLOB", Self.reluModel()) == Self.ok)
        #expect(try c.call("AI.MODELSTORE", "plain", "ONNX", "CPU", "BLOB", Self.reluModel()) == Self.ok)
        try Self.setInput(c, "in0", rows: 1, width: 4, seed: 7)
        try Self.setInput(c, "in1", rows: 2, width: 4, seed: 8)
        // One request alone, then two at once: every one is answered although 6 rows never arrive.
        #expect(try c.call("AI.MODELEXECUTE", "b", "INPUTS", 1, "in0", "OUTPUTS", 1, "alone") == Self.ok)
        let clients = try (0..<2).map { _ in try server.connect() }
        for (k, client) in clients.enumerated() {
            try Self.send(client, ["AI.MODELEXECUTE", "b", "INPUTS", "1", "in\(k)", "OUTPUTS", "1", "out\(k)"])
        }
        for client in clients { #expect(try client.readReply() == Self.ok) }
        for (k, n) in [1, 2].enumerated() {
            #expect(try c.call("AI.MODELEXECUTE", "plain", "INPUTS", 1, "in\(k)", "OUTPUTS", 1, "ref\(k)") == Self.ok)
            try Self.expectSame(c, "out\(k)", "ref\(k)", rows: n, width: 4)
        }
        try Self.expectSame(c, "alone", "ref0", rows: 1, width: 4)
        #expect(try c.call("AI.INFO", "b").array?[15] == .integer(3))
    }

    /// A request of `BATCHSIZE` rows or more runs alone at once (it never waits for
    /// `MINBATCHSIZE`), and requests join only while their rows fit in `BATCHSIZE`.
    @Test func requestsLargerThanTheBatchRunAloneAndBatchesNeverOverflow() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "1"])
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "b", "ONNX", "CPU", "BATCHSIZE", 4, "MINBATCHSIZE", 4, "BLOB", Self.reluModel()) == Self.ok)
        #expect(try c.call("AI.MODELSTORE", "plain", "ONNX", "CPU", "BLOB", Self.reluModel()) == Self.ok)
        try Self.setInput(c, "big", rows: 6, width: 4, seed: 1)
        #expect(try c.call("AI.MODELEXECUTE", "b", "INPUTS", 1, "big", "OUTPUTS", 1, "out") == Self.ok)
        #expect(try c.call("AI.MODELEXECUTE", "plain", "INPUTS", 1, "big", "OUTPUTS", 1, "ref") == Self.ok)
        try Self.expectSame(c, "out", "ref", rows: 6, width: 4)
        #expect(try Self.batches(c) == [0, 0])

        // 3 + 2 rows would overflow BATCHSIZE 4: neither joins the other, both wait.
        let rows = [3, 2, 1, 2]
        for (k, n) in rows.enumerated() { try Self.setInput(c, "in\(k)", rows: n, width: 4, seed: 10 + k) }
        let clients = try rows.map { _ in try server.connect() }
        func send(_ k: Int) throws {
            try Self.send(clients[k], ["AI.MODELEXECUTE", "b", "INPUTS", "1", "in\(k)", "OUTPUTS", "1", "out\(k)"])
        }
        try send(0)
        try send(1)
        try Self.expectWaiting(c, blocked: 2)
        // 1 row completes the 3-row request's batch; the 2-row one keeps waiting.
        try send(2)
        #expect(try clients[0].readReply() == Self.ok)
        #expect(try clients[2].readReply() == Self.ok)
        try Self.expectWaiting(c, blocked: 1)
        try send(3)
        #expect(try clients[1].readReply() == Self.ok)
        #expect(try clients[3].readReply() == Self.ok)
        for (k, n) in rows.enumerated() {
            #expect(try c.call("AI.MODELEXECUTE", "plain", "INPUTS", 1, "in\(k)", "OUTPUTS", 1, "ref\(k)") == Self.ok)
            try Self.expectSame(c, "out\(k)", "ref\(k)", rows: n, width: 4)
        }
        #expect(try Self.batches(c) == [2, 4])
    }

    /// Requests whose inputs differ beyond dim 0 (here [1, 4] and [1, 3]) or in element
    /// type never share a run.
    @Test func mismatchedShapesAreNotJoined() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "1"])
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "b", "ONNX", "CPU", "BATCHSIZE", 8, "MINBATCHSIZE", 2, "BLOB", Self.reluModel()) == Self.ok)
        #expect(try c.call("AI.MODELSTORE", "plain", "ONNX", "CPU", "BLOB", Self.reluModel()) == Self.ok)
        let widths = [4, 3, 4, 3]
        for (k, w) in widths.enumerated() { try Self.setInput(c, "in\(k)", rows: 1, width: w, seed: 20 + k) }
        #expect(try c.call("AI.TENSORSET", "wrongtype", "DOUBLE", 1, 4, "VALUES", 1, 2, 3, 4) == Self.ok)
        let clients = try (0..<5).map { _ in try server.connect() }
        func send(_ k: Int, _ input: String) throws {
            try Self.send(clients[k], ["AI.MODELEXECUTE", "b", "INPUTS", "1", input, "OUTPUTS", "1", "out\(k)"])
        }
        try send(0, "in0")
        try send(1, "in1")
        try Self.expectWaiting(c, blocked: 2)
        // A DOUBLE [1, 4] input does not join the FLOAT [1, 4] one either.
        try send(4, "wrongtype")
        try Self.expectWaiting(c, blocked: 3)
        try send(2, "in2")
        #expect(try clients[0].readReply() == Self.ok)
        #expect(try clients[2].readReply() == Self.ok)
        try Self.expectWaiting(c, blocked: 2)
        try send(3, "in3")
        #expect(try clients[1].readReply() == Self.ok)
        #expect(try clients[3].readReply() == Self.ok)
        for (k, w) in widths.enumerated() {
            #expect(try c.call("AI.MODELEXECUTE", "plain", "INPUTS", 1, "in\(k)", "OUTPUTS", 1, "ref\(k)") == Self.ok)
            try Self.expectSame(c, "out\(k)", "ref\(k)", rows: 1, width: w)
        }
        #expect(try Self.batches(c) == [2, 4])
        // The DOUBLE request still waits for a partner of its own kind.
        let stillBlocked = try c.infoField("clients", "blocked_clients")
        if stillBlocked != "1" { Issue.record("blocked_clients \(stillBlocked ?? "?"), DOUBLE request answered \(try clients[4].readReply())") }
    }

    /// A model whose output's dim 0 is not the batch's rows (a transpose): every request of
    /// the batch gets RedisAI's error, nothing is written, and each counts as a failed call.
    @Test func outputsThatDoNotFollowTheBatchFail() throws {
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "1"])
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "t", "ONNX", "CPU", "BATCHSIZE", 8, "MINBATCHSIZE", 2, "BLOB", Self.transposeModel()) == Self.ok)
        for k in 0..<2 { try Self.setInput(c, "in\(k)", rows: 1, width: 3, seed: 30 + k) }
        let clients = try (0..<2).map { _ in try server.connect() }
        for (k, client) in clients.enumerated() {
            try Self.send(client, ["AI.MODELEXECUTE", "t", "INPUTS", "1", "in\(k)", "OUTPUTS", "1", "out\(k)"])
        }
        for client in clients {
            #expect(try client.readReply() == .error("ERR Model did not generate the expected batch size"))
        }
        #expect(try c.call("EXISTS", "out0", "out1") == .integer(0))
        #expect(try Self.batches(c) == [1, 2])
        let info = try #require(try c.call("AI.INFO", "t").array)
        #expect(Array(info[10...]) == [bulk("duration"), .integer(0), bulk("samples"), .integer(0),
                                       bulk("calls"), .integer(2), bulk("errors"), .integer(2)])
        // Alone (8 rows reach BATCHSIZE), the same model runs: no batch, no check.
        try Self.setInput(c, "eight", rows: 8, width: 3, seed: 3)
        #expect(try c.call("AI.MODELEXECUTE", "t", "INPUTS", 1, "eight", "OUTPUTS", 1, "o") == Self.ok)
        #expect(try c.call("AI.TENSORGET", "o", "META").array?[3] == .array([.integer(3), .integer(8)]))
    }

    /// Batching works for any runtime: two clients' 4-sample inputs to the TORCH CNN fixture
    /// run as one batch of 8, and each gets PyTorch's answer for its own input.
    @Test func torchModelsBatchToo() throws {
        let fixtures = try Torch.fixtures()
        let server = try Torch.server(extra: [])
        let c = try server.connect()
        let cnn = try fixtures.file("cnn.pt")
        #expect(try c.call("AI.MODELSTORE", "b", "TORCH", "CPU", "BATCHSIZE", 8, "MINBATCHSIZE", 8, "BLOB", cnn) == Self.ok)
        #expect(try c.call("AI.MODELSTORE", "plain", "TORCH", "CPU", "BLOB", cnn) == Self.ok)
        let x = try #require(fixtures.inputs["cnn"]?.first)
        try Torch.set(c, "x0", x)
        // The second client's input: the same samples in reverse order.
        let sample = x.bytes.count / x.shape[0]
        let reversed = (0..<x.shape[0]).reversed().flatMap { x.bytes[($0 * sample)..<(($0 + 1) * sample)] }
        let set: [any CommandArgument] = ["AI.TENSORSET", "x1", x.dtype] + x.shape + ["BLOB", Array(reversed)]
        #expect(try c.call(set) == Self.ok)
        let clients = try (0..<2).map { _ in try server.connect() }
        for (k, client) in clients.enumerated() {
            try Self.send(client, ["AI.MODELEXECUTE", "b", "INPUTS", "1", "x\(k)", "OUTPUTS", "1", "y\(k)"])
        }
        for client in clients { #expect(try client.readReply() == Self.ok) }
        #expect(try Torch.difference(c, "y0", fixtures.outputs["cnn"]![0]) <= 1e-5)
        #expect(try c.call("AI.MODELEXECUTE", "plain", "INPUTS", 1, "x1", "OUTPUTS", 1, "ref1") == Self.ok)
        let got = try c.call("AI.TENSORGET", "y1", "META", "VALUES"), want = try c.call("AI.TENSORGET", "ref1", "META", "VALUES")
        #expect(got.array?[3] == .array([.integer(4), .integer(10)]))
        let a = got.array?[5].array?.compactMap { $0.string.flatMap(Double.init) } ?? []
        let b = want.array?[5].array?.compactMap { $0.string.flatMap(Double.init) } ?? []
        #expect(a.count == 40 && b.count == 40 && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 })
        #expect(try Self.batches(c) == [1, 2])
        #expect(try c.call("AI.INFO", "b").array?[13] == .integer(8))
    }

    // MARK: - Helpers

    /// Thread-safe list of failure messages from the client threads.
    final class FailureList: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [String] = []
        func add(_ message: String) { lock.withLock { messages.append(message) } }
        var all: [String] { lock.withLock { messages } }
    }

    /// Sends one command on `c` without reading its reply (the client then stays blocked).
    static func send(_ c: RedisConnection, _ arguments: [String]) throws {
        var bytes: [UInt8] = []
        RESPEncoder.appendCommand(arguments.map { Array($0.utf8) }, to: &bytes)
        try c.write(bytes)
    }

    /// Stores a FLOAT [rows, width] tensor of values from -1 to 1 that differ per `seed`.
    static func setInput(_ c: RedisConnection, _ key: String, rows: Int, width: Int, seed: Int) throws {
        let values = (0..<rows * width).map { i in Float(((i * 7 + seed * 13) % 17) - 8) / 8 }
        #expect(try c.call("AI.TENSORSET", key, "FLOAT", rows, width, "BLOB", littleEndianBytes(values)) == ok)
    }

    /// Checks that tensors `a` and `b` are both FLOAT [rows, width] with the same bytes.
    static func expectSame(_ c: RedisConnection, _ a: String, _ b: String, rows: Int, width: Int,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        let got = try c.call("AI.TENSORGET", a, "META", "BLOB"), want = try c.call("AI.TENSORGET", b, "META", "BLOB")
        #expect(got.array?[3] == .array([.integer(Int64(rows)), .integer(Int64(width))]), "\(a)", sourceLocation: sourceLocation)
        #expect(got == want, "\(a) vs \(b)", sourceLocation: sourceLocation)
    }

    /// Waits until `blocked` clients are blocked, then shows they are held by the batching
    /// rules: a run of another (unbatched) model queued behind them is answered first, and
    /// exactly `blocked` clients are still blocked afterwards.
    static func expectWaiting(_ c: RedisConnection, blocked: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try TestEnvironment.waitUntil { try c.infoField("clients", "blocked_clients") == "\(blocked)" },
                sourceLocation: sourceLocation)
        if try c.call("EXISTS", "probe-model") == .integer(0) {
            #expect(try c.call("AI.MODELSTORE", "probe-model", "ONNX", "CPU", "BLOB", reluModel("probe")) == ok)
            #expect(try c.call("AI.TENSORSET", "probe-in", "FLOAT", 1, 1, "VALUES", 1) == ok)
        }
        #expect(try c.call("AI.MODELEXECUTE", "probe-model", "INPUTS", 1, "probe-in", "OUTPUTS", 1, "probe-out") == ok,
                sourceLocation: sourceLocation)
        #expect(try c.infoField("clients", "blocked_clients") == "\(blocked)", sourceLocation: sourceLocation)
    }

    /// `[batched_runs, batched_requests]` from the module's `ai_tandem` INFO section.
    static func batches(_ c: RedisConnection) throws -> [Int] {
        try ["ai_batched_runs", "ai_batched_requests"].map { Int(try c.infoField("modules", $0) ?? "") ?? -1 }
    }

    /// `y = relu(x)`, x float [N, M] for any N and M.
    static func reluModel(_ note: String = "") -> [UInt8] {
        var model = ONNXModel(opsetImports: [.init(version: 17)], graph: ONNXGraph(
            name: "relu", nodes: [ONNXNode(opType: "Relu", inputs: ["x"], outputs: ["y"])], initializers: [],
            inputs: [ONNXValueInfo(name: "x", elementType: .float, shape: [.parameter("N"), .parameter("M")])],
            outputs: [ONNXValueInfo(name: "y", elementType: .float, shape: [.parameter("N"), .parameter("M")])]))
        model.docString = note
        return model.serialized()
    }

    /// `y = relu(x·W)`, x float [N, 4], W a fixed 4×4 matrix: each output row mixes a whole input row.
    static func matMulReluModel() -> [UInt8] {
        let weight = ONNXTensor(name: "w", dims: [4, 4], floats: (0..<16).map { Float(($0 * 5) % 9) / 4 - 1 })
        return ONNXModel(opsetImports: [.init(version: 17)], graph: ONNXGraph(
            name: "matmul", nodes: [ONNXNode(opType: "MatMul", inputs: ["x", "w"], outputs: ["h"]),
                                    ONNXNode(opType: "Relu", inputs: ["h"], outputs: ["y"])],
            initializers: [weight],
            inputs: [ONNXValueInfo(name: "x", elementType: .float, shape: [.parameter("N"), .value(4)])],
            outputs: [ONNXValueInfo(name: "y", elementType: .float, shape: [.parameter("N"), .value(4)])])).serialized()
    }

    /// `y = transpose(x)`, x float [N, 3] → y [3, N]: dim 0 of the output is not the batch.
    static func transposeModel() -> [UInt8] {
        ONNXModel(opsetImports: [.init(version: 17)], graph: ONNXGraph(
            name: "transpose",
            nodes: [ONNXNode(opType: "Transpose", inputs: ["x"], outputs: ["y"], attributes: [ONNXAttribute(name: "perm", .ints([1, 0]))])],
            initializers: [],
            inputs: [ONNXValueInfo(name: "x", elementType: .float, shape: [.parameter("N"), .value(3)])],
            outputs: [ONNXValueInfo(name: "y", elementType: .float, shape: [.value(3), .parameter("N")])])).serialized()
    }
}
