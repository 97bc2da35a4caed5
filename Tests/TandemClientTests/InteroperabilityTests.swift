import Foundation
import Testing
import TandemClient
import TandemTensor
import TandemTesting

/// Both directions against the real SmartRedis 0.6.1 Python client
/// (`Python/smartredis_peer.py`): what one stores, the other reads bit for bit — tensors of
/// every dtype, datasets with metadata of every type, aggregation lists, and all of it under
/// ensemble prefixes.
@Suite struct InteroperabilityTests {
    // MARK: Plain redis-server: metadata-only datasets and lists

    @Test func swiftReadsWhatPythonStores() throws {
        let server = try Peers.plainServer()
        try pythonWritesSwiftReads(server: server, tensors: false, prefix: nil)
    }

    @Test func pythonReadsWhatSwiftStores() throws {
        let server = try Peers.plainServer()
        try swiftWritesPythonReads(server: server, tensors: false, prefix: nil)
    }

    @Test func prefixedEnsembleKeysInBothDirections() throws {
        let server = try Peers.plainServer()
        try pythonWritesSwiftReads(server: server, tensors: false, prefix: "py_sim")
        try swiftWritesPythonReads(server: server, tensors: false, prefix: "sw_sim")
    }

    // MARK: With TandemAI: tensors everywhere

    @Test func swiftReadsTensorsPythonStores() throws {
        let server = try Peers.moduleServer()
        try pythonWritesSwiftReads(server: server, tensors: true, prefix: nil)
    }

    @Test func pythonReadsTensorsSwiftStores() throws {
        let server = try Peers.moduleServer()
        try swiftWritesPythonReads(server: server, tensors: true, prefix: nil)
    }

    @Test func prefixedTensorsInBothDirections() throws {
        let server = try Peers.moduleServer()
        try pythonWritesSwiftReads(server: server, tensors: true, prefix: "py_sim")
        try swiftWritesPythonReads(server: server, tensors: true, prefix: "sw_sim")
    }

    // MARK: The two directions

    private func pythonWritesSwiftReads(server: RedisServer, tensors: Bool, prefix: String?) throws {
        try Self.pythonWritesSwiftReads(tensors: tensors, prefix: prefix,
                                        python: { try Peers.runPython("smartredis_peer.py", $0, server: server, environment: $1) },
                                        client: { try server.client(prefixes: $0) })
    }

    private func swiftWritesPythonReads(server: RedisServer, tensors: Bool, prefix: String?) throws {
        try Self.swiftWritesPythonReads(tensors: tensors, prefix: prefix,
                                        python: { try Peers.runPython("smartredis_peer.py", $0, server: server, environment: $1) },
                                        client: { try server.client(prefixes: $0) })
    }

    /// The peer script stores its data set, the Swift client reads it back bit for bit.
    /// - Parameters:
    ///   - python: runs `smartredis_peer.py` with arguments and extra environment.
    ///   - client: a Swift client of the same database with the given prefixes.
    static func pythonWritesSwiftReads(tensors: Bool, prefix: String?,
                                       python: ([String], [String: String]) throws -> String,
                                       client makeClient: (KeyPrefixConfiguration) throws -> Client) throws {
        let output = try python(["write"] + (tensors ? ["--tensors"] : []), prefix.map { ["SSKEYOUT": $0] } ?? [:])
        let written = try JSONDecoder().decode(Manifest.self, from: Data(output.utf8))
        #expect(written.tensors.count == (tensors ? 9 : 0))
        #expect(written.datasets.count == 2)
        let client = try makeClient(KeyPrefixConfiguration(inputs: prefix.map { ["other", $0] } ?? []))
        if let prefix { try client.setDataSource(prefix) }

        var read = Manifest()
        for name in written.tensors.keys { read.tensors[name] = TensorInfo(try client.getTensor(name)) }
        for name in written.datasets.keys {
            #expect(try client.datasetExists(name), "\(name) is acknowledged complete")
            read.datasets[name] = try DatasetInfo(try client.getDataset(name))
        }
        for name in written.lists.keys { read.lists[name] = try client.getDatasetsFromList(name).map(DatasetInfo.init) }
        #expect(read == written)
        if tensors {
            #expect(written.tensors["tf32"]?.hex == "000000000000803f0000004000004040000080400000a040", "the spec's FLOAT blob")
            #expect(read.datasets["full"]?.tensors.count == 8, "one tensor of every dtype in a dataset")
        }
        #expect(read.datasets["full"]?.meta.count == 8, "every metadata type")
    }

    /// The Swift client stores the same kind of data set, the peer script reads it back.
    static func swiftWritesPythonReads(tensors: Bool, prefix: String?,
                                       python: ([String], [String: String]) throws -> String,
                                       client makeClient: (KeyPrefixConfiguration) throws -> Client) throws {
        let client = try makeClient(KeyPrefixConfiguration(output: prefix ?? ""))
        var written = Manifest()
        if tensors {
            var rng = SeededGenerator(seed: 4)
            let types: [DType] = [.double, .float, .int8, .int16, .int32, .int64, .uint8, .uint16]
            for (i, dtype) in types.enumerated() {
                let tensor = Self.randomTensor(dtype, shape: Self.shapes[i % Self.shapes.count], using: &rng)
                try client.putTensor("t_\(dtype.rawValue.lowercased())", tensor)
                written.tensors["t_\(dtype.rawValue.lowercased())"] = TensorInfo(tensor)
            }
            let tf32 = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5] as [Float])
            try client.putTensor("tf32", tf32)
            written.tensors["tf32"] = TensorInfo(tf32)
        }
        for (name, seed) in [("full", 1), ("cfg", 2)] {
            let ds = try Self.fullDataset(name, tensors: tensors, seed: UInt64(seed))
            try client.putDataset(ds)
            written.datasets[name] = try DatasetInfo(ds)
        }
        var rng = SeededGenerator(seed: 9)
        for i in 0..<3 {
            var ds = Dataset(name: "agg_\(i)")
            try ds.addMetaScalar("index", i)
            if tensors { try ds.addTensor("samples", Self.randomTensor(.float, shape: [2, 4, 4, 1], using: &rng)) }
            try client.putDataset(ds)
            try client.appendToList("list", dataset: ds)
            written.lists["list", default: []].append(try DatasetInfo(ds))
        }

        let output = try python(["read"] + (tensors ? ["--tensors"] : []), prefix.map { ["SSKEYIN": "\($0),other"] } ?? [:])
        var read = try JSONDecoder().decode(Manifest.self, from: Data(output.utf8))
        #expect(read.listLength == 3)
        #expect(read.listRange == ["agg_1", "agg_2"])
        read.listLength = nil
        read.listRange = nil
        #expect(read == written)
    }

    // MARK: Content

    static let shapes = [[3], [2, 3], [2, 3, 4], [1, 4, 4, 1]]

    /// Random bits of `dtype` (NaN payloads and extremes included).
    static func randomTensor(_ dtype: DType, shape: [Int], using rng: inout SeededGenerator) -> Tensor {
        let count = shape.reduce(1, *) * dtype.elementSize!
        return try! Tensor(dtype: dtype, shape: shape, bytes: (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    /// Metadata of every type with several values, and optionally a tensor of every dtype.
    static func fullDataset(_ name: String, tensors: Bool, seed: UInt64) throws -> Dataset {
        var ds = Dataset(name: name)
        for v in [2.25, -0.0, .greatestFiniteMagnitude, Double(seed)] { try ds.addMetaScalar("f64", v) }
        for v in [Float(0.5), .leastNonzeroMagnitude, -.infinity] { try ds.addMetaScalar("f32", v) }
        for v in [Int32.min, -2, 7] { try ds.addMetaScalar("i32", v) }
        for v in [Int64.max, -1, 42] { try ds.addMetaScalar("i64", v) }
        for v in [UInt32.max, 3] { try ds.addMetaScalar("u32", v) }
        for v in [UInt64.max, (UInt64(1) << 63) + 5] { try ds.addMetaScalar("u64", v) }
        for s in ["swift", "", "grüße, 温度 ✓"] { try ds.addMetaString("strings", s) }
        try ds.addMetaString("name", "run-\(seed)")
        if tensors {
            var rng = SeededGenerator(seed: seed)
            for (i, dtype) in [DType.double, .float, .int8, .int16, .int32, .int64, .uint8, .uint16].enumerated() {
                try ds.addTensor("t_\(dtype.rawValue.lowercased())", randomTensor(dtype, shape: shapes[i % shapes.count], using: &rng))
            }
        }
        return ds
    }
}

// MARK: - The manifest both sides print

struct Manifest: Codable, Equatable {
    var tensors: [String: TensorInfo] = [:]
    var datasets: [String: DatasetInfo] = [:]
    var lists: [String: [DatasetInfo]] = [:]
    var listLength: Int?
    var listRange: [String]?

    enum CodingKeys: String, CodingKey {
        case tensors, datasets, lists
        case listLength = "list_length"
        case listRange = "list_range_1_-1"
    }
}

struct TensorInfo: Codable, Equatable {
    var dtype: String
    var shape: [Int]
    var hex: String

    init(_ tensor: Tensor) {
        dtype = tensor.dtype.rawValue
        shape = tensor.shape
        hex = tensor.bytes.hexString
    }
}

struct MetaInfo: Codable, Equatable {
    var type: String
    var hex: String?
    var strings: [String]?
}

struct DatasetInfo: Codable, Equatable {
    var name: String
    var tensorNames: [String]
    var tensors: [String: TensorInfo]
    var meta: [String: MetaInfo]

    enum CodingKeys: String, CodingKey {
        case name, tensors, meta
        case tensorNames = "tensor_names"
    }

    init(_ ds: Dataset) throws {
        name = ds.name
        tensorNames = ds.tensorNames
        tensors = [:]
        for t in ds.tensorNames { tensors[t] = TensorInfo(try ds.tensor(t)) }
        meta = [:]
        for field in ds.metadataFieldNames {
            let value = try ds.field(field)
            meta[field] = value.type == .string
                ? MetaInfo(type: "STRING", strings: value.strings.map(\.hexString))
                : MetaInfo(type: value.type.name, hex: Array(value.encoded().dropFirst()).hexString)
        }
    }
}

extension Array where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
