import Foundation
import ONNX
import RESP
import Testing
import TandemRedis
import TandemTesting

extension Trait where Self == ConditionTrait {
    /// Runs a suite only when the module is configured (always in CI, where a missing
    /// module then fails loudly in ``Peers/module()``).
    static var needsModule: Self {
        .enabled(if: Peers.moduleTestsEnabled,
                 "TANDEM_MODULE_PATH is not set: the TandemAI integration tests are SKIPPED (run `make test`)")
    }
}

extension RedisConnection {
    /// Sends a command mixing text, byte and integer arguments.
    @discardableResult
    func call(_ arguments: any CommandArgument...) throws -> RESPValue {
        try send(arguments.map(\.commandBytes))
    }

    /// Sends a command given as an array.
    @discardableResult
    func call(_ arguments: [any CommandArgument]) throws -> RESPValue {
        try send(arguments.map(\.commandBytes))
    }

    /// The integer value of an `INFO` field (e.g. `used_memory`).
    func infoField(_ section: String, _ field: String) throws -> String? {
        guard let text = try call("INFO", section).string else { return nil }
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix(field + ":") {
            return String(line.dropFirst(field.count + 1))
        }
        return nil
    }
}

/// The little-endian bytes of `values`.
func littleEndianBytes<T>(_ values: [T]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
}

/// A bulk-string reply's text.
func bulk(_ text: String) -> RESPValue { .bulkString(Array(text.utf8)) }

/// The error reply RedisAI sends for wrong arity, with its upper-case command name.
func arityError(_ command: String) -> RESPValue {
    .error("ERR wrong number of arguments for '\(command)' command")
}

/// `WRONGTYPE …`
let wrongType = RESPValue.error("WRONGTYPE Operation against a key holding the wrong kind of value")

/// A valid ONNX model (`y = relu(x)`, x float [N, 4]) now that the module plans every stored
/// blob; `note` goes in its doc string, so distinct notes give distinct blobs.
func tinyModel(_ note: String = "") -> [UInt8] {
    var model = ONNXModel(opsetImports: [.init(version: 17)], graph: ONNXGraph(
        name: "tiny", nodes: [ONNXNode(opType: "Relu", inputs: ["x"], outputs: ["y"])], initializers: [],
        inputs: [ONNXValueInfo(name: "x", elementType: .float, shape: [.parameter("N"), .value(4)])],
        outputs: [ONNXValueInfo(name: "y", elementType: .float, shape: [.parameter("N"), .value(4)])]))
    model.docString = note
    return model.serialized()
}

/// A valid ONNX model of exactly `size` bytes (padded through its doc string).
func sizedModel(_ size: Int) -> [UInt8] {
    for n in 0...size {
        let blob = tinyModel(String(repeating: "p", count: n))
        if blob.count == size { return blob }
    }
    preconditionFailure("no padded model has \(size) bytes")
}

/// A real ONNX model that is slow on purpose: `layers` MatMuls by one shared
/// `width`×`width` weight, x float [N, width] → y float [N, width] (about 4 ms per sample on
/// a 2-core test machine at the defaults), for tests that need a worker busy for a while.
func slowModel(width: Int = 1024, layers: Int = 64) -> [UInt8] {
    let weight = ONNXTensor(name: "w", dims: [Int64(width), Int64(width)],
                            floats: (0..<width * width).map { Float($0 % 7) / 7000 })
    let nodes = (0..<layers).map { i in
        ONNXNode(opType: "MatMul", inputs: [i == 0 ? "x" : "h\(i)", "w"], outputs: [i == layers - 1 ? "y" : "h\(i + 1)"])
    }
    return ONNXModel(opsetImports: [.init(version: 17)], graph: ONNXGraph(
        name: "slow", nodes: nodes, initializers: [weight],
        inputs: [ONNXValueInfo(name: "x", elementType: .float, shape: [.parameter("N"), .value(Int64(width))])],
        outputs: [ONNXValueInfo(name: "y", elementType: .float, shape: [.parameter("N"), .value(Int64(width))])])).serialized()
}
