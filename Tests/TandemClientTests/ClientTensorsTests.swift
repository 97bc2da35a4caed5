import Testing
import RESP
import TandemClient
import TandemTensor
import TandemTesting

/// Tensors against `redis-server` with TandemAI (see “Tensors” in Documentation/SmartRedisWire.md),
/// including the exact commands.
@Suite struct ClientTensorsTests {
    @Test func putSendsSmartRedisCommandsForEveryDType() throws {
        let server = try Peers.moduleServer()
        let client = try server.client()
        let recorder = try CommandRecorder(server)
        try client.putTensor("tf32", [0, 1, 2, 3, 4, 5] as [Float], shape: [2, 3])
        try client.putTensor("t_float64", [1, 2, 3] as [Double], shape: [3])
        try client.putTensor("t_int8", [1, 2, 3] as [Int8], shape: [3])
        try client.putTensor("t_int16", [1, 2, 3] as [Int16], shape: [3])
        try client.putTensor("t_int32", [1, 2, 3] as [Int32], shape: [3])
        try client.putTensor("t_int64", [1, 2, 3] as [Int64], shape: [3])
        try client.putTensor("t_uint8", [1, 2, 3] as [UInt8], shape: [3])
        try client.putTensor("t_uint16", [1, 2, 3] as [UInt16], shape: [3])
        _ = try client.getTensor("tf32")
        #expect(try recorder.lines() == [
            "AI.TENSORSET tf32 FLOAT 2 3 BLOB " + Self.escaped("000000000000803f0000004000004040000080400000a040"),
            "AI.TENSORSET t_float64 DOUBLE 3 BLOB " + Self.escaped("000000000000f03f00000000000000400000000000000840"),
            "AI.TENSORSET t_int8 INT8 3 BLOB " + Self.escaped("010203"),
            "AI.TENSORSET t_int16 INT16 3 BLOB " + Self.escaped("010002000300"),
            "AI.TENSORSET t_int32 INT32 3 BLOB " + Self.escaped("010000000200000003000000"),
            "AI.TENSORSET t_int64 INT64 3 BLOB " + Self.escaped("010000000000000002000000000000000300000000000000"),
            "AI.TENSORSET t_uint8 UINT8 3 BLOB " + Self.escaped("010203"),
            "AI.TENSORSET t_uint16 UINT16 3 BLOB " + Self.escaped("010002000300"),
            "AI.TENSORGET tf32 META BLOB",
        ])
    }

    @Test func everyDTypeRoundTripsBitForBit() throws {
        let server = try Peers.moduleServer()
        let client = try server.client()
        var rng = SeededGenerator(seed: 3)
        for dtype in [DType.double, .float, .int8, .int16, .int32, .int64, .uint8, .uint16, .bool] {
            for shape in [[1], [7], [2, 3], [2, 1, 4, 3]] {
                let count = shape.reduce(1, *) * dtype.elementSize!
                let bytes = (0..<count).map { _ in dtype == .bool ? UInt8.random(in: 0...1, using: &rng) : UInt8.random(in: 0...255, using: &rng) }
                let tensor = try Tensor(dtype: dtype, shape: shape, bytes: bytes)
                try client.putTensor("t", tensor)
                #expect(try client.getTensor("t") == tensor, "\(dtype) \(shape)")
            }
        }
        let large = Tensor(shape: [400, 64, 64], scalars: (0..<(400 * 4096)).map { Float($0) })
        try client.putTensor("large", large)
        #expect(try client.getTensor("large") == large)
    }

    @Test func arraysAndCallerBuffers() throws {
        let server = try Peers.moduleServer()
        let client = try server.client()
        try client.putTensor("x", [1, 2, 3, 4, 5, 6] as [Int32], shape: [2, 3])
        let (shape, values) = try client.getTensor("x", as: Int32.self)
        #expect(shape == [2, 3])
        #expect(values == [1, 2, 3, 4, 5, 6])
        var buffer = [Int32](repeating: 0, count: 6)
        try client.unpackTensor("x", into: &buffer, shape: [2, 3])
        #expect(buffer == [1, 2, 3, 4, 5, 6])
        var flat = [Int32](repeating: 0, count: 6)
        try client.unpackTensor("x", into: &flat, shape: [6])
        #expect(flat == buffer, "a flat buffer of the right length is accepted")
        var wrongType = [Float](repeating: 0, count: 6)
        var wrongShape = [Int32](repeating: 0, count: 6)
        var wrongLength = [Int32](repeating: 0, count: 5)
        for action in [{ _ = try client.getTensor("x", as: Float.self) },
                       { try client.unpackTensor("x", into: &wrongType, shape: [2, 3]) },
                       { try client.unpackTensor("x", into: &wrongShape, shape: [3, 2]) },
                       { try client.unpackTensor("x", into: &wrongLength, shape: [5]) }] as [() throws -> Void] {
            do {
                try action()
                Issue.record("a mismatch must throw")
            } catch let error as ClientError {
                #expect(error.code == .typeMismatch, "\(error)")
            }
        }
        #expect(wrongType == [Float](repeating: 0, count: 6), "a refused unpack writes nothing")
        #expect(throws: ClientError.self) { try client.putTensor("bad", [1, 2, 3] as [Float], shape: [2, 2]) }
    }

    @Test func existsPollDeleteCopyRename() throws {
        let server = try Peers.moduleServer()
        let client = try server.client()
        let recorder = try CommandRecorder(server)
        #expect(try !client.pollTensor("nope", intervalMilliseconds: 10, tries: 3))
        #expect(try recorder.lines() == ["EXISTS nope", "EXISTS nope", "EXISTS nope"])
        try client.putTensor("a", [1, 2] as [Float], shape: [2])
        #expect(try client.tensorExists("a"))
        #expect(try client.pollTensor("a", intervalMilliseconds: 10, tries: 3))
        try client.copyTensor("a", to: "b")
        #expect(try client.getTensor("b", as: Float.self).scalars == [1, 2])
        try client.renameTensor("b", to: "c")
        #expect(try !client.tensorExists("b"))
        #expect(try client.getTensor("c", as: Float.self).scalars == [1, 2])
        try client.deleteTensor("c")
        try client.deleteTensor("c")
        #expect(try !client.tensorExists("c"))
        _ = try recorder.lines()
    }

    @Test func missingAndWrongKeysSayWhat() throws {
        let server = try Peers.moduleServer()
        let client = try server.client(prefixes: KeyPrefixConfiguration(inputs: ["sim_0"]))
        do {
            _ = try client.getTensor("nope")
            Issue.record("a missing tensor must throw")
        } catch {
            #expect(error.code == .keyNotFound)
            #expect(error.serverReply == "ERR tensor key is empty or in a different shard")
            #expect(error.message.contains("sim_0.nope"), "\(error.message)")
        }
        do {
            try client.renameTensor("nope", to: "x")
            Issue.record("renaming a missing tensor must throw")
        } catch {
            #expect(error.code == .keyNotFound)
        }
        try server.connect().send("SET", "sim_0.str", "x")
        do {
            _ = try client.getTensor("str")
            Issue.record("a string key is not a tensor")
        } catch {
            #expect(error.code == .typeMismatch)
        }
    }

    @Test func datasetsWithTensorsKeepOrderAndBytes() throws {
        let server = try Peers.moduleServer()
        let client = try server.client()
        var ds = Dataset(name: "ds_t")
        try ds.addMetaString("note", "x")
        try ds.addTensor("a", [1, 2, 3, 4] as [Int64], shape: [2, 2])
        try ds.addTensor("b", [0.5] as [Float], shape: [1])
        let recorder = try CommandRecorder(server)
        try client.putDataset(ds)
        #expect(try recorder.lines() == [
            "DEL {ds_t}.meta",
            "HMSET {ds_t}.meta note \\x07\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00x .tensor_names " + Self.escaped("07010000000000000061010000000000000062"),
            "AI.TENSORSET {ds_t}.a INT64 2 2 BLOB " + Self.escaped("0100000000000000020000000000000003000000000000000400000000000000"),
            "AI.TENSORSET {ds_t}.b FLOAT 1 BLOB " + Self.escaped("0000003f"),
            "HSET {ds_t}.meta .COMPLETE 1",
        ])
        let back = try client.getDataset("ds_t")
        #expect(back == ds)
        #expect(try recorder.lines() == ["HGETALL {ds_t}.meta", "AI.TENSORGET {ds_t}.a META BLOB", "AI.TENSORGET {ds_t}.b META BLOB"])
        try client.copyDataset("ds_t", to: "ds_t_copy")
        #expect(try client.getDataset("ds_t_copy").tensor("a") == ds.tensor("a"))
        try client.deleteDataset("ds_t_copy")
        #expect(try recorder.lines().last == "DEL {ds_t_copy}.meta {ds_t_copy}.a {ds_t_copy}.b")
        try server.connect().send("DEL", "{ds_t}.b")
        do {
            _ = try client.getDataset("ds_t")
            Issue.record("a dataset whose tensor is gone must fail")
        } catch {
            #expect(error.code == .keyNotFound)
        }
    }

    @Test func aRefusedTensorLeavesNoCompleteFlag() throws {
        let server = try Peers.moduleServer()
        let client = try server.client()
        try server.connect().send("SET", "{sim}.u_steady", "not a tensor")
        var ds = Dataset(name: "sim")
        try ds.addTensor("u_init", [1] as [Float], shape: [1])
        try ds.addTensor("u_steady", [2] as [Float], shape: [1])
        do {
            try client.putDataset(ds)
            Issue.record("the refused tensor must surface")
        } catch {
            #expect(error.code == .typeMismatch)
        }
        #expect(try !client.datasetExists("sim"))
    }

    /// The `\xHH` rendering of hex bytes, printable ASCII as itself (as `CommandRecorder.render`).
    static func escaped(_ hexText: String) -> String { CommandRecorder.render(hex(hexText)) }
}
