import Foundation
import ONNX
import RESP
import Testing
import TandemRedis
import TandemTesting

/// Real `DUMP` payloads of tensors and ONNX models, rewritten field by field (huge declared
/// lengths and counts, huge or overflowing dimensions, bad dtype codes, wrong STRING
/// offsets, non-ONNX model bytes, truncations) with a valid RDB version and CRC64 trailer,
/// so that only the module's own load code stands between them and the server.
///
/// Every crafted `RESTORE` must answer `ERR Bad data format`, and the server must keep
/// serving with its earlier keys intact. A server restarted on a crafted `dump.rdb` or AOF
/// preamble, and a replica sent a crafted full sync, must not abort on an allocation nor crash.
@Suite(.needsModule) struct CraftedPayloadTests {
    /// A few dtypes, STRING included, each as `AI.TENSORSET` arguments.
    static let tensorSamples = TensorSetTests.samples.filter { ["FLOAT", "INT64", "UINT8", "BOOL", "STRING"].contains($0.dtype) }

    /// A tensor's payload with each field rewritten, and cut at every point.
    @Test(arguments: tensorSamples)
    func craftedTensorPayloadsAreRefused(sample: TensorSetTests.Sample) throws {
        let server = try Self.server()
        let c = try server.connect()
        #expect(try c.call(["AI.TENSORSET", "t", sample.dtype] + sample.shape + ["BLOB", sample.blob]) == .simpleString("OK"))
        let dump = try #require(try c.call("DUMP", "t").bytes)
        let value = try #require(ModuleValueDump(dump))
        try expectFaithful(value, dump: dump, on: c)

        // Encoding 4: code, bits, ndims, the dims, the data, then (STRING) one offset per element.
        let fields = value.fields
        let ndims = try #require(fields[2].unsigned)
        let data = 3 + Int(ndims)
        let bytes = try #require(fields[data].bytes)
        let huge: UInt64 = 1 << 60
        var crafted: [(String, [ModuleValueDump.Field])] = [
            ("data declaring 2^60 bytes", fields.replacing(data, with: .raw([0x05] + DumpPayload.length(huge) + bytes))),
            ("data declaring 2^60 bytes, none present", fields.replacing(data, with: .raw([0x05] + DumpPayload.length(huge)))),
            ("data declaring 2^32 bytes", fields.replacing(data, with: .raw([0x05] + DumpPayload.length(1 << 32) + bytes))),
            ("ndims 2^60", fields.replacing(2, with: .unsigned(huge))),
            ("ndims 100000", fields.replacing(2, with: .unsigned(100_000))),
            ("ndims negative", fields.replacing(2, with: .unsigned(1 << 63))),
            ("dim 2^60", fields.replacing(3, with: .unsigned(huge))),
            ("dim Int64.max", fields.replacing(3, with: .unsigned(UInt64(Int64.max)))),
            ("dim zero", fields.replacing(3, with: .unsigned(0))),
            ("dim negative", fields.replacing(3, with: .unsigned(UInt64(bitPattern: -2)))),
            ("dims whose product overflows Int64", fields.replacingDims(ndims, with: [1 << 32, 1 << 32, 1 << 32])),
            ("dims whose byte count overflows Int64", fields.replacingDims(ndims, with: [1 << 31, 1 << 31])),
            ("2^20 dims of 1, truncated", fields.replacingDims(ndims, with: [UInt64](repeating: 1, count: 1000), declaring: 1 << 20)),
            ("unknown dtype code 3", fields.replacing(0, with: .unsigned(3))),
            ("unknown dtype code 255", fields.replacing(0, with: .unsigned(255))),
            ("dtype code 2^63", fields.replacing(0, with: .unsigned(1 << 63))),
            ("bit width 0", fields.replacing(1, with: .unsigned(0))),
            ("bit width 12", fields.replacing(1, with: .unsigned(12))),
            ("bit width 2^63", fields.replacing(1, with: .unsigned(1 << 63))),
            ("data one byte short", fields.replacing(data, with: .string(Array(bytes.dropLast())))),
            ("data one byte long", fields.replacing(data, with: .string(bytes + [0]))),
            ("empty data", fields.replacing(data, with: .string([]))),
        ]
        if sample.dtype == "BOOL" {
            crafted.append(("BOOL element 2", fields.replacing(data, with: .string([2] + bytes.dropFirst()))))
        }
        if sample.dtype == "STRING" {
            let offsets = Array(fields[(data + 1)...])
            #expect(offsets == [.unsigned(0), .unsigned(3), .unsigned(4)])
            crafted += [
                ("an element offset off by one", fields.replacing(data + 2, with: .unsigned(2))),
                ("an element offset 2^60", fields.replacing(data + 1, with: .unsigned(huge))),
                ("offsets swapped", fields.replacing(data + 1, with: .unsigned(3)).replacing(data + 2, with: .unsigned(0))),
                ("last offset missing", Array(fields.dropLast())),
                ("one offset too many", fields + [.unsigned(8)]),
                ("data without its last NUL", fields.replacing(data, with: .string(Array(bytes.dropLast()) + [65]))),
            ]
        }
        let payloads = crafted.map { ($0.0, value.with(fields: $0.1).payload) }
        let keep = (["AI.TENSORGET", "t", "META", "BLOB"] as [any CommandArgument], try c.call("AI.TENSORGET", "t", "META", "BLOB"))
        try expectRefused(payloads, on: c, server: server, keep: keep)
        try expectTruncationsRefused(value, on: c, server: server, keep: keep)
    }

    /// An ONNX model's payload with each field rewritten, and cut at every point.
    @Test func craftedModelPayloadsAreRefused() throws {
        let server = try Self.server()
        let c = try server.connect()
        let blob = tinyModel("crafted")
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "TAG", "v1", "BLOB", blob) == .simpleString("OK"))
        let dump = try #require(try c.call("DUMP", "m").bytes)
        let value = try #require(ModuleValueDump(dump))
        try expectFaithful(value, dump: dump, on: c)

        // Encoding 4: backend, device, tag, batch size, min batch size, min batch timeout,
        // input count and names, output count and names, blob length, chunk count, chunks.
        let fields = value.fields
        let inputs = try #require(fields[6].unsigned)
        let outputCount = 7 + Int(inputs)
        let outputs = try #require(fields[outputCount].unsigned)
        let length = outputCount + 1 + Int(outputs)
        let chunkCount = length + 1
        #expect(fields[length] == .unsigned(UInt64(blob.count)))
        #expect(fields[chunkCount] == .unsigned(1))
        #expect(fields[(chunkCount + 1)...].first == .string(blob))
        let huge: UInt64 = 1 << 60
        /// The fields with `bytes` as the whole model.
        func withBlob(_ bytes: [UInt8]) -> [ModuleValueDump.Field] {
            Array(fields[..<length]) + [.unsigned(UInt64(bytes.count)), .unsigned(1), .string(bytes)]
        }
        // The same blob in several chunks (the last one empty, as RedisAI cuts them) loads whole.
        let pieces = [Array(blob[..<10]), Array(blob[10..<30]), Array(blob[30...]), []]
        let rechunked = Array(fields[...length]) + [.unsigned(UInt64(pieces.count))] + pieces.map { .string($0) }
        #expect(try c.call("RESTORE", "chunked", 0, value.with(fields: rechunked).payload) == .simpleString("OK"))
        #expect(try c.call("AI.MODELGET", "chunked", "BLOB") == .bulkString(blob))
        #expect(try c.call("DEL", "chunked") == .integer(1))
        var crafted: [(String, [ModuleValueDump.Field])] = [
            ("blob length 2^60", fields.replacing(length, with: .unsigned(huge))),
            ("chunks adding up to more than the blob length", Array(fields[...length]) + [.unsigned(2), .string(blob), .string([0])]),
            ("chunks adding up to less than the blob length", Array(fields[...length]) + [.unsigned(2), .string(pieces[0]), .string(pieces[1])]),
            ("blob length 2^60 and a chunk declaring 2^60 bytes", fields.replacing(length, with: .unsigned(huge))
                .replacing(chunkCount + 1, with: .raw([0x05] + DumpPayload.length(huge) + blob))),
            ("blob length 2^60 and 2^60 chunks", fields.replacing(length, with: .unsigned(huge)).replacing(chunkCount, with: .unsigned(huge))),
            ("blob length Int64.max", fields.replacing(length, with: .unsigned(UInt64(Int64.max)))),
            ("blob length 2^64 - 1", fields.replacing(length, with: .unsigned(.max))),
            ("blob length one byte long", fields.replacing(length, with: .unsigned(UInt64(blob.count + 1)))),
            ("blob length one byte short", fields.replacing(length, with: .unsigned(UInt64(blob.count - 1)))),
            ("2^60 chunks", fields.replacing(chunkCount, with: .unsigned(huge))),
            ("zero chunks", fields.replacing(chunkCount, with: .unsigned(0))),
            ("one chunk more than present", fields.replacing(chunkCount, with: .unsigned(2))),
            ("a chunk declaring 2^60 bytes", fields.replacing(chunkCount + 1, with: .raw([0x05] + DumpPayload.length(huge) + blob))),
            ("2^60 inputs", fields.replacing(6, with: .unsigned(huge))),
            ("2^63 inputs", fields.replacing(6, with: .unsigned(1 << 63))),
            ("2^60 outputs", fields.replacing(outputCount, with: .unsigned(huge))),
            ("device declaring 2^60 bytes", fields.replacing(1, with: .raw([0x05] + DumpPayload.length(huge) + Array("CPU\0".utf8)))),
            ("tag declaring 2^60 bytes", fields.replacing(2, with: .raw([0x05] + DumpPayload.length(huge) + Array("v1".utf8)))),
            ("unknown backend 4", fields.replacing(0, with: .unsigned(4))),
            ("backend 2^63", fields.replacing(0, with: .unsigned(1 << 63))),
            ("negative batch size", fields.replacing(3, with: .unsigned(UInt64(bitPattern: -8)))),
            ("negative min batch size", fields.replacing(4, with: .unsigned(UInt64(bitPattern: -1)))),
            ("negative min batch timeout", fields.replacing(5, with: .unsigned(UInt64(bitPattern: -1)))),
            ("text instead of ONNX", withBlob(Array("this is not an ONNX model".utf8))),
            ("no model bytes", withBlob([])),
            ("bytes of a pattern instead of ONNX", withBlob((0..<4096).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 7) })),
            ("a DUMP payload as model bytes", withBlob(dump)),
        ]
        // Well-formed protobuf that is no plannable model: an initializer whose dims
        // overflow, or declare 2^60 elements with none present.
        for dims: [Int64] in [[1 << 32, 1 << 32, 1 << 32], [1 << 60, 4], [Int64.max, 2], [-1, 4]] {
            let model = addModel(weight: ONNXTensor(name: "w", dims: dims, floats: [1, 2, 3, 4]))
            #expect(try c.call("AI.MODELSTORE", "probe", "ONNX", "CPU", "BLOB", model).isErrorReply,
                    "AI.MODELSTORE accepted an initializer of dims \(dims)")
            crafted.append(("initializer dims \(dims)", withBlob(model)))
        }
        let payloads = crafted.map { ($0.0, value.with(fields: $0.1).payload) }
        let keep = (["AI.MODELGET", "m", "META", "BLOB"] as [any CommandArgument], try c.call("AI.MODELGET", "m", "META", "BLOB"))
        _ = try c.call("DEL", "probe")
        try expectRefused(payloads, on: c, server: server, keep: keep)
        try expectTruncationsRefused(value, on: c, server: server, keep: keep)
    }

    /// A model blob cut short at every point, and well-formed protobuf describing odd
    /// graphs, are refused by `RESTORE` exactly when `AI.MODELSTORE` refuses the same bytes
    /// (the load parses and plans them the same way), and neither stops the server.
    @Test func modelBytesAreJudgedAsModelStoreJudgesThem() throws {
        let server = try Self.server()
        let c = try server.connect()
        let blob = tinyModel("cut")
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", blob) == .simpleString("OK"))
        let dump = try #require(try c.call("DUMP", "m").bytes)
        let value = try #require(ModuleValueDump(dump))
        let length = value.fields.count - 3
        var cases = (0..<blob.count).map { ("cut at \($0)", Array(blob.prefix($0))) }
        let huge = ONNXValueInfo(name: "x", elementType: .float, shape: [.value(1 << 62), .value(1 << 62)])
        cases += [
            ("input dims 2^62 x 2^62", graph([ONNXNode(opType: "Relu", inputs: ["x"], outputs: ["y"])], input: huge,
                                             output: ONNXValueInfo(name: "y", elementType: .float, shape: huge.shape))),
            ("an operator nobody knows", graph([ONNXNode(opType: "NoSuchOperator", inputs: ["x"], outputs: ["y"])])),
            ("a node reading a value nobody writes", graph([ONNXNode(opType: "Add", inputs: ["x", "nowhere"], outputs: ["y"])])),
            ("an output nobody writes", graph([ONNXNode(opType: "Relu", inputs: ["x"], outputs: ["z"])])),
            ("a node feeding itself", graph([ONNXNode(opType: "Add", inputs: ["x", "y"], outputs: ["y"])])),
            ("no nodes", graph([])),
        ]
        var refused = 0
        for (name, bytes) in cases {
            let fields = Array(value.fields[..<length]) + [.unsigned(UInt64(bytes.count)), .unsigned(1), .string(bytes)]
            let stored = try c.call("AI.MODELSTORE", "probe", "ONNX", "CPU", "BLOB", bytes)
            let restored = try c.call("RESTORE", "r", 0, value.with(fields: fields).payload, "REPLACE")
            if stored.isErrorReply {
                refused += 1
                #expect(restored == .error("ERR Bad data format"), "\(name): AI.MODELSTORE said \(stored), RESTORE \(restored)")
            } else {
                #expect(restored == .simpleString("OK"), "\(name): AI.MODELSTORE accepted, RESTORE said \(restored)")
            }
            #expect(try c.call("PING") == .simpleString("PONG"), "\(name)")
            guard server.isRunning else {
                Issue.record("the server died on \(name):\n\(server.log.suffix(3000))")
                return
            }
        }
        // Most prefixes of a model are no model at all.
        #expect(refused > blob.count / 2, "only \(refused) of \(cases.count) refused")
        #expect(try c.call("AI.MODELGET", "m", "BLOB") == .bulkString(blob))
    }

    /// A one-graph model of `nodes`, x float [N, 4] → y float [N, 4] unless told otherwise.
    private func graph(_ nodes: [ONNXNode],
                       input: ONNXValueInfo = ONNXValueInfo(name: "x", elementType: .float, shape: [.parameter("N"), .value(4)]),
                       output: ONNXValueInfo = ONNXValueInfo(name: "y", elementType: .float, shape: [.parameter("N"), .value(4)])) -> [UInt8] {
        ONNXModel(opsetImports: [.init(version: 17)], graph: ONNXGraph(
            name: "odd", nodes: nodes, initializers: [], inputs: [input], outputs: [output])).serialized()
    }

    /// A server restarted on a `dump.rdb` holding one crafted module value (patched into a
    /// real RDB file, its CRC64 trailer recomputed) neither aborts on an allocation nor
    /// crashes: it refuses the file with a clear log line.
    @Test(arguments: ["model blob length 2^60", "model chunk declaring 2^60 bytes", "tensor data declaring 2^60 bytes",
                      "tensor dims overflowing Int64", "2^60 model inputs"])
    func restartOnACraftedRDBFileDoesNotAbort(variant: String) throws {
        let (server, key, rdb) = try Self.craftedRDB(variant)
        try Data(rdb).write(to: server.directory.appendingPathComponent("dump.rdb"))
        let logURL = server.directory.appendingPathComponent("redis.log")
        let logStart = (try? Data(contentsOf: logURL))?.count ?? 0
        var answered = false
        do {
            let restarted = try Peers.moduleServer(extra: Self.uncompressed, directory: server.directory)
            let r = try restarted.connect()
            answered = try r.call("PING") == .simpleString("PONG")
            // Had it started, the crafted value could not be there.
            #expect(try r.call("EXISTS", key) == .integer(0))
            restarted.stop()
        } catch {
            // Refusing the file is fine; how it refused is checked on the log below.
        }
        let log = String(decoding: (try Data(contentsOf: logURL)).dropFirst(logStart), as: UTF8.self)
        Self.expectNoAbort(log)
        // Redis refuses the file with "Internal error in RDB reading … module data …" and exits.
        #expect(answered || (log.contains("Internal error in RDB reading") && log.contains("module")),
                "no clear refusal in the log:\n\(log)")
    }

    /// A server restarted on an append-only file whose RDB preamble (the base file an AOF
    /// rewrite writes) holds a crafted model value refuses it without aborting.
    @Test func restartOnACraftedAOFPreambleDoesNotAbort() throws {
        let server = try Peers.moduleServer(extra: Self.uncompressed + ["--appendonly", "yes", "--aof-use-rdb-preamble", "yes"])
        let c = try server.connect()
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel("aof")) == .simpleString("OK"))
        let dump = try #require(try c.call("DUMP", "m").bytes)
        let value = try #require(ModuleValueDump(dump))
        #expect(try c.call("BGREWRITEAOF").string?.contains("rewriting") == true)
        #expect(try TestEnvironment.waitUntil {
            try c.infoField("persistence", "aof_rewrite_in_progress") == "0"
                && c.infoField("persistence", "aof_rewrite_scheduled") == "0"
        })
        #expect(try c.infoField("persistence", "aof_last_bgrewrite_status") == "ok")
        server.stop()
        let folder = server.directory.appendingPathComponent("appendonlydir")
        let base = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasSuffix(".base.rdb") })
        let baseURL = folder.appendingPathComponent(base)
        try Data(try Self.patch([UInt8](try Data(contentsOf: baseURL)), value, "model blob length 2^60")).write(to: baseURL)

        let logStart = server.log.utf8.count
        var answered = false
        do {
            let restarted = try server.restart()
            answered = try restarted.connect().call("EXISTS", "m") == .integer(0)
            restarted.stop()
        } catch {
            // Refusing the file is fine; how it refused is checked on the log below.
        }
        let log = String(decoding: Array(server.log.utf8).dropFirst(logStart), as: UTF8.self)
        Self.expectNoAbort(log)
        #expect(answered || (log.contains("Internal error in RDB reading") && log.contains("module")),
                "no clear refusal in the log:\n\(log)")
    }

    /// A replica whose master (played by this test, speaking the replication protocol)
    /// sends a full sync holding a crafted model value neither aborts on an allocation nor
    /// crashes: it drops the sync with a clear log line.
    @Test func replicaFullSyncOfACraftedRDBDoesNotAbort() throws {
        let (source, _, rdb) = try Self.craftedRDB("model blob length 2^60")
        source.stop()
        let master = try FakeMaster()
        let replica = try Peers.moduleServer(extra: Self.uncompressed + ["--replicaof", "127.0.0.1", "\(master.port)"])
        try master.serveFullSync(rdb)
        // Wait (generous deadline) until the replica has dealt with the payload: it logs
        // the failed load, or it exits.
        TestEnvironment.waitUntil { !replica.isRunning || replica.log.contains("Internal error in RDB reading") }
        let log = replica.log
        Self.expectNoAbort(log)
        #expect(log.contains("MASTER <-> REPLICA sync: receiving"), "the sync never started:\n\(log)")
        #expect(log.contains("Internal error in RDB reading") && log.contains("module"), "no clear refusal in the log:\n\(log)")
        replica.stop()
    }

    // MARK: - Helpers

    /// Test servers write strings uncompressed, so that payloads and RDB files hold each
    /// saved field as it is.
    static let uncompressed = ["--rdbcompression", "no"]

    static func server() throws -> RedisServer { try Peers.moduleServer(extra: uncompressed) }

    /// A real `dump.rdb` (a FLOAT tensor `t` and an ONNX model `m`, saved by a stopped
    /// server) with one module value rewritten as `variant` says and its CRC64 trailer
    /// recomputed; also the server (for its directory) and the rewritten key.
    static func craftedRDB(_ variant: String) throws -> (RedisServer, String, [UInt8]) {
        let server = try Self.server()
        let c = try server.connect()
        #expect(try c.call("AI.TENSORSET", "t", "FLOAT", 2, "VALUES", 1, 2) == .simpleString("OK"))
        #expect(try c.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", tinyModel("rdb")) == .simpleString("OK"))
        let key = variant.hasPrefix("tensor") ? "t" : "m"
        let dump = try #require(try c.call("DUMP", key).bytes)
        let value = try #require(ModuleValueDump(dump))
        #expect(try c.call("SAVE") == .simpleString("OK"))
        server.stop()

        let rdb = [UInt8](try Data(contentsOf: server.directory.appendingPathComponent("dump.rdb")))
        return (server, key, try patch(rdb, value, variant))
    }

    /// `rdb` with `value` rewritten as `variant` says and its CRC64 trailer recomputed.
    static func patch(_ rdb: [UInt8], _ value: ModuleValueDump, _ variant: String) throws -> [UInt8] {
        let fields = value.fields
        let huge: UInt64 = 1 << 60
        let craftedFields: [ModuleValueDump.Field] = switch variant {
        case "model blob length 2^60": fields.replacing(fields.count - 3, with: .unsigned(huge))
        case "model chunk declaring 2^60 bytes":
            fields.replacing(fields.count - 1, with: .raw([0x05] + DumpPayload.length(huge) + (fields.last?.bytes ?? [])))
        case "tensor data declaring 2^60 bytes": fields.replacing(4, with: .raw([0x05] + DumpPayload.length(huge) + (fields[4].bytes ?? [])))
        case "tensor dims overflowing Int64": fields.replacingDims(1, with: [1 << 32, 1 << 32, 1 << 32])
        default: fields.replacing(6, with: .unsigned(huge))
        }
        var rdb = rdb
        // In the file the value is the module id and the body, as in the DUMP payload.
        let range = try #require(rdb.firstRange(of: value.moduleIDAndBody), "the value is not in the RDB")
        rdb.replaceSubrange(range, with: value.with(fields: craftedFields).moduleIDAndBody)
        rdb.removeLast(8)
        let crc = DumpPayload.crc64(rdb)
        for i in 0..<8 { rdb.append(UInt8(truncatingIfNeeded: crc >> (8 * UInt64(i)))) }
        return rdb
    }

    /// No allocation abort and no crash report in a server log.
    static func expectNoAbort(_ log: String) {
        #expect(!log.lowercased().contains("out of memory"), "\(log)")
        #expect(!log.contains("crashed by signal") && !log.contains("BUG REPORT") && !log.contains("Fatal error"), "\(log)")
    }

    /// Sends `value`'s body cut at every point. `RESTORE` reads on into the payload's
    /// trailer (RDB version, CRC64), so a cut value is refused unless those bytes happen to
    /// complete it as a valid value: then the stored value must be exactly the cut body
    /// followed by trailer bytes (the module read what was there and nothing else).
    private func expectTruncationsRefused(_ value: ModuleValueDump, on c: RedisConnection, server: RedisServer,
                                          keep: ([any CommandArgument], RESPValue)) throws {
        let body = value.body
        var refused = 0
        for cut in 0..<body.count {
            let payload = value.payload(body: Array(body.prefix(cut)))
            let reply = try c.call("RESTORE", "cut", 0, payload)
            if reply == .simpleString("OK") {
                let stored = try #require(try c.call("DUMP", "cut").bytes)
                let storedBody = try #require(ModuleValueDump(stored), "cut at \(cut)").body
                let trailer = Array(payload.suffix(10))
                #expect(storedBody.count > cut && storedBody.count - cut <= trailer.count
                        && storedBody == Array(body.prefix(cut)) + trailer.prefix(storedBody.count - cut),
                        "cut at \(cut) of \(body.count) restored as \(storedBody)")
                #expect(try c.call("DEL", "cut") == .integer(1))
            } else {
                #expect(reply == .error("ERR Bad data format"), "cut at \(cut) of \(body.count): \(reply)")
                refused += 1
            }
            #expect(try c.call("PING") == .simpleString("PONG"), "cut at \(cut)")
            #expect(try c.call(keep.0) == keep.1, "cut at \(cut)")
            guard server.isRunning else {
                Issue.record("the server died on the cut at \(cut):\n\(server.log.suffix(3000))")
                return
            }
        }
        // Only cuts within the last few bytes can be completed by the trailer.
        #expect(refused >= body.count - 3, "\(refused) of \(body.count) cuts refused")
    }

    /// Re-encoding the parsed fields gives back the very dump, which `RESTORE` accepts: the
    /// crafted payloads differ from a real one only where a test rewrites them.
    private func expectFaithful(_ value: ModuleValueDump, dump: [UInt8], on c: RedisConnection) throws {
        #expect(value.payload == dump)
        #expect(try c.call("RESTORE", "faithful", 0, value.payload) == .simpleString("OK"))
        #expect(try c.call("DEL", "faithful") == .integer(1))
    }

    /// Sends each payload with `RESTORE`; each must be refused, and afterwards the server
    /// answers `PING` and `keep` gives the same reply as before.
    private func expectRefused(_ payloads: [(String, [UInt8])], on c: RedisConnection, server: RedisServer,
                               keep: ([any CommandArgument], RESPValue)) throws {
        for (i, (name, payload)) in payloads.enumerated() {
            let reply = try c.call("RESTORE", "crafted\(i)", 0, payload)
            #expect(reply == .error("ERR Bad data format"), "\(name): \(reply)")
            #expect(try c.call("PING") == .simpleString("PONG"), "\(name)")
            #expect(try c.call(keep.0) == keep.1, "\(name)")
            guard server.isRunning else {
                Issue.record("the server died on \(name):\n\(server.log.suffix(3000))")
                return
            }
        }
        #expect(try c.call("DBSIZE") == .integer(1))
    }

    /// `y = x + w`, x float [N, 4], with `weight` as the initializer `w`.
    private func addModel(weight: ONNXTensor) -> [UInt8] {
        ONNXModel(opsetImports: [.init(version: 17)], graph: ONNXGraph(
            name: "crafted", nodes: [ONNXNode(opType: "Add", inputs: ["x", "w"], outputs: ["y"])], initializers: [weight],
            inputs: [ONNXValueInfo(name: "x", elementType: .float, shape: [.parameter("N"), .value(4)])],
            outputs: [ONNXValueInfo(name: "y", elementType: .float, shape: [.parameter("N"), .value(4)])])).serialized()
    }
}

/// A module value's `DUMP` payload taken apart: the module id and each field its `Save*`
/// calls wrote, so that a test can rewrite one field and put the payload back together.
struct ModuleValueDump {
    /// One saved field: an unsigned (also signed) number, a string, or bytes written as given
    /// (to declare a length that the bytes do not have).
    enum Field: Equatable {
        case unsigned(UInt64)
        case string([UInt8])
        case raw([UInt8])

        var unsigned: UInt64? { if case .unsigned(let value) = self { value } else { nil } }
        var bytes: [UInt8]? { if case .string(let bytes) = self { bytes } else { nil } }

        var encoded: [UInt8] {
            switch self {
            case .unsigned(let value): DumpPayload.unsigned(value)
            case .string(let bytes): DumpPayload.string(bytes)
            case .raw(let bytes): bytes
            }
        }
    }

    var moduleID: UInt64
    var fields: [Field]

    /// Parses `[MODULE_2][module id][fields…][EOF][RDB version][CRC64]`; `nil` if the dump
    /// is not laid out that way.
    init?(_ dump: [UInt8]) {
        guard dump.count > 11, dump[0] == 0x07 else { return nil }
        var reader = Reader(bytes: Array(dump.dropLast(10)), index: 1)
        guard let id = reader.length() else { return nil }
        moduleID = id
        fields = []
        while true {
            guard let opcode = reader.byte() else { return nil }
            switch opcode {
            case 0x00: guard reader.index == reader.bytes.count else { return nil }; return
            case 0x02: guard let value = reader.length() else { return nil }; fields.append(.unsigned(value))
            case 0x05:
                guard let count = reader.length(), let bytes = reader.take(count) else { return nil }
                fields.append(.string(bytes))
            default: return nil
            }
        }
    }

    private init(moduleID: UInt64, fields: [Field]) {
        self.moduleID = moduleID
        self.fields = fields
    }

    /// The same module value with other fields.
    func with(fields: [Field]) -> ModuleValueDump { ModuleValueDump(moduleID: moduleID, fields: fields) }

    /// The fields followed by the module EOF opcode.
    var body: [UInt8] { fields.flatMap(\.encoded) + [0x00] }

    /// The whole `DUMP` payload (trailer and CRC64 included).
    var payload: [UInt8] { payload(body: body) }

    /// A payload with `body` after the module id.
    func payload(body: [UInt8]) -> [UInt8] { DumpPayload.payload(moduleID: moduleID, body: body) }

    /// The module id and the body, as the value appears in an RDB file after its key.
    var moduleIDAndBody: [UInt8] { DumpPayload.length(moduleID) + body }

    private struct Reader {
        let bytes: [UInt8]
        var index: Int

        mutating func byte() -> UInt8? {
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func take(_ count: UInt64) -> [UInt8]? {
            guard count <= UInt64(bytes.count - index) else { return nil }
            defer { index += Int(count) }
            return Array(bytes[index..<(index + Int(count))])
        }

        /// Redis's length encoding (6, 14, 32 or 64 bits).
        mutating func length() -> UInt64? {
            guard let first = byte() else { return nil }
            switch first >> 6 {
            case 0: return UInt64(first & 0x3F)
            case 1: guard let next = byte() else { return nil }; return UInt64(first & 0x3F) << 8 | UInt64(next)
            default:
                let width = first == 0x80 ? 4 : first == 0x81 ? 8 : 0
                guard width > 0, let raw = take(UInt64(width)) else { return nil }
                return raw.reduce(0) { $0 << 8 | UInt64($1) }
            }
        }
    }
}

extension RESPValue {
    /// Whether this is an error reply.
    fileprivate var isErrorReply: Bool { if case .error = self { true } else { false } }
}

extension [ModuleValueDump.Field] {
    /// A copy with field `index` replaced.
    func replacing(_ index: Int, with field: ModuleValueDump.Field) -> Self {
        var copy = self
        copy[index] = field
        return copy
    }

    /// A tensor's fields with its `ndims` dimensions (fields 3…) replaced by `dims`, and
    /// `ndims` (field 2) declaring `declaring` (the new count by default).
    func replacingDims(_ ndims: UInt64, with dims: [UInt64], declaring: UInt64? = nil) -> Self {
        Array(self[..<2]) + [.unsigned(declaring ?? UInt64(dims.count))] + dims.map { .unsigned($0) } + Array(self[(3 + Int(ndims))...])
    }
}

/// The master side of Redis replication, just enough for one full sync: it accepts the
/// replica, answers its handshake (`PING`, `REPLCONF …`) and sends an RDB for its `PSYNC`.
final class FakeMaster {
    let port: Int
    private let listener: Int32

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        guard listener >= 0, bound == 0, named == 0, listen(listener, 4) == 0 else {
            let reason = String(cString: strerror(errno))
            if listener >= 0 { close(listener) }
            throw TestEnvironmentError("the fake master cannot listen: \(reason)")
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(listener) }

    /// Accepts one replica (within 60 s), answers its commands until `PSYNC`, then sends
    /// `+FULLRESYNC` and `rdb` as the sync payload.
    func serveFullSync(_ rdb: [UInt8]) throws {
        var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 60_000) == 1 else { throw TestEnvironmentError("no replica connected to the fake master") }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { throw TestEnvironmentError("accept failed: \(String(cString: strerror(errno)))") }
        defer { close(connection) }
        var buffer: [UInt8] = []
        while true {
            guard let command = Self.nextCommand(&buffer) else {
                var chunk = [UInt8](repeating: 0, count: 4096)
                var waiting = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
                guard poll(&waiting, 1, 60_000) == 1 else { throw TestEnvironmentError("the replica went silent") }
                let count = recv(connection, &chunk, chunk.count, 0)
                guard count > 0 else { throw TestEnvironmentError("the replica closed the connection") }
                buffer += chunk[..<count]
                continue
            }
            switch command.first?.uppercased() {
            case "PING": try Self.send(connection, Array("+PONG\r\n".utf8))
            case "PSYNC", "SYNC":
                let header = "+FULLRESYNC \(String(repeating: "a", count: 40)) 0\r\n$\(rdb.count)\r\n"
                try Self.send(connection, Array(header.utf8) + rdb)
                // Keep the link open until the replica has read it all and hangs up.
                var waiting = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
                _ = poll(&waiting, 1, 60_000)
                return
            default: try Self.send(connection, Array("+OK\r\n".utf8))
            }
        }
    }

    private static func send(_ connection: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Foundation.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw TestEnvironmentError("send to the replica failed") }
            sent += count
        }
    }

    /// Takes one complete `*N` array of bulk strings off the front of `buffer`, if there is one.
    private static func nextCommand(_ buffer: inout [UInt8]) -> [String]? {
        var index = 0
        func line() -> String? {
            guard let end = buffer[index...].firstRange(of: [13, 10]) else { return nil }
            defer { index = end.upperBound }
            return String(decoding: buffer[index..<end.lowerBound], as: UTF8.self)
        }
        guard let header = line(), header.first == "*", let count = Int(header.dropFirst()) else { return nil }
        var parts: [String] = []
        for _ in 0..<count {
            guard let size = line(), size.first == "$", let length = Int(size.dropFirst()),
                  buffer.count >= index + length + 2 else { return nil }
            parts.append(String(decoding: buffer[index..<(index + length)], as: UTF8.self))
            index += length + 2
        }
        buffer.removeFirst(index)
        return parts
    }
}
