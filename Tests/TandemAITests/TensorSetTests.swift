import Foundation
import RESP
import Testing
import TandemTesting

/// `AI.TENSORSET` against a real server: every dtype by BLOB and VALUES, scalars,
/// zero-filled tensors, case-insensitive keywords, and every error text RedisAI sends.
@Suite(.needsModule) struct TensorSetTests {
    /// One tensor per dtype: its blob, the same elements as VALUES arguments, and the
    /// VALUES reply RedisAI gives for them.
    struct Sample: CustomStringConvertible, Sendable {
        let dtype: String
        let shape: [Int]
        let blob: [UInt8]
        let values: [String]
        let reply: [RESPValue]
        var description: String { dtype }
    }

    static func doubles(_ values: [Double], float: Bool) -> [RESPValue] {
        values.map { bulk(String(format: "%.17g", float ? Double(Float($0)) : $0)) }
    }

    static let samples: [Sample] = [
        Sample(dtype: "FLOAT", shape: [2, 2], blob: littleEndianBytes([1.5, -2.25, 0.1, 3e38] as [Float]),
               values: ["1.5", "-2.25", "0.1", "3e38"], reply: doubles([1.5, -2.25, 0.1, 3e38], float: true)),
        Sample(dtype: "DOUBLE", shape: [3], blob: littleEndianBytes([0.1, -1e300, 1.0 / 3] as [Double]),
               values: ["0.1", "-1e300", "0.33333333333333331"], reply: doubles([0.1, -1e300, 1.0 / 3], float: false)),
        Sample(dtype: "INT8", shape: [4], blob: littleEndianBytes([-128, 127, 0, -1] as [Int8]),
               values: ["-128", "127", "0", "-1"], reply: [.integer(-128), .integer(127), .integer(0), .integer(-1)]),
        Sample(dtype: "INT16", shape: [1, 2], blob: littleEndianBytes([-32768, 32767] as [Int16]),
               values: ["-32768", "32767"], reply: [.integer(-32768), .integer(32767)]),
        Sample(dtype: "INT32", shape: [2, 1], blob: littleEndianBytes([Int32.min, Int32.max] as [Int32]),
               values: ["\(Int32.min)", "\(Int32.max)"], reply: [.integer(Int64(Int32.min)), .integer(Int64(Int32.max))]),
        Sample(dtype: "INT64", shape: [2], blob: littleEndianBytes([Int64.min, Int64.max] as [Int64]),
               values: ["\(Int64.min)", "\(Int64.max)"], reply: [.integer(Int64.min), .integer(Int64.max)]),
        Sample(dtype: "UINT8", shape: [3], blob: [0, 7, 255], values: ["0", "7", "255"],
               reply: [.integer(0), .integer(7), .integer(255)]),
        Sample(dtype: "UINT16", shape: [2], blob: littleEndianBytes([0, 65535] as [UInt16]), values: ["0", "65535"],
               reply: [.integer(0), .integer(65535)]),
        Sample(dtype: "BOOL", shape: [3], blob: [0, 1, 1], values: ["0", "1", "1"],
               reply: [.integer(0), .integer(1), .integer(1)]),
        Sample(dtype: "STRING", shape: [3], blob: Array("ab\0\0cde\0".utf8), values: ["ab", "", "cde"],
               reply: [bulk("ab"), bulk(""), bulk("cde")]),
    ]

    @Test(arguments: samples)
    func blobRoundTripsForEveryDType(sample: Sample) throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call(["AI.TENSORSET", "t", sample.dtype] + sample.shape + ["BLOB", sample.blob]) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "t", "BLOB") == .bulkString(sample.blob))
        #expect(try c.call("AI.TENSORGET", "t", "META") == .array([
            bulk("dtype"), bulk(sample.dtype), bulk("shape"), .array(sample.shape.map { .integer(Int64($0)) }),
        ]))
        #expect(try c.call("AI.TENSORGET", "t", "VALUES") == .array(sample.reply))
        #expect(try c.call("TYPE", "t") == .simpleString("AI_TENSOR"))
    }

    @Test(arguments: samples)
    func valuesGiveTheSameBytesAsBlob(sample: Sample) throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call(["AI.TENSORSET", "t", sample.dtype.lowercased()] + sample.shape + ["values"] + sample.values) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "t", "BLOB") == .bulkString(sample.blob))
        #expect(try c.call("AI.TENSORGET", "t", "meta", "values") == .array([
            bulk("dtype"), bulk(sample.dtype), bulk("shape"), .array(sample.shape.map { .integer(Int64($0)) }),
            bulk("values"), .array(sample.reply),
        ]))
    }

    @Test func scalarsAndZeroFilledTensors() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        // A tensor with no dimensions is a scalar: empty shape, one element.
        #expect(try c.call("AI.TENSORSET", "s", "FLOAT", "VALUES", "2.5") == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "s", "META", "VALUES") == .array([
            bulk("dtype"), bulk("FLOAT"), bulk("shape"), .array([]), bulk("values"), .array([bulk("2.5")]),
        ]))
        #expect(try c.call("AI.TENSORSET", "sb", "INT32", "BLOB", littleEndianBytes([7] as [Int32])) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "sb", "VALUES") == .array([.integer(7)]))
        // No data: zeros (STRING: empty strings).
        #expect(try c.call("AI.TENSORSET", "z", "DOUBLE", 2, 3) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "z", "BLOB") == .bulkString([UInt8](repeating: 0, count: 48)))
        #expect(try c.call("AI.TENSORSET", "zs", "STRING", 2) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "zs", "VALUES") == .array([bulk(""), bulk("")]))
        #expect(try c.call("AI.TENSORGET", "zs", "BLOB") == .bulkString([0, 0]))
    }

    /// Outside MULTI/Lua the module keeps the BLOB argument itself; inside them it copies.
    /// Either way the stored bytes stay right after the command and its neighbours.
    @Test func blobsSurviveInEveryCallingContext() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        let small = littleEndianBytes([1, 2, 3] as [Int32])
        let big = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        #expect(try c.call("AI.TENSORSET", "direct", "INT32", 3, "BLOB", small) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "bigdirect", "UINT8", big.count, "BLOB", big) == .simpleString("OK"))
        #expect(try c.call("MULTI") == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "multi", "INT32", 3, "BLOB", small) == .simpleString("QUEUED"))
        #expect(try c.call("AI.TENSORSET", "bigmulti", "UINT8", big.count, "BLOB", big) == .simpleString("QUEUED"))
        #expect(try c.call("EXEC") == .array([.simpleString("OK"), .simpleString("OK")]))
        #expect(try c.call("EVAL", "return redis.call('AI.TENSORSET', KEYS[1], 'INT32', 3, 'BLOB', ARGV[1])", 1, "lua", small)
                == .simpleString("OK"))
        for _ in 0..<50 { _ = try c.call("SET", "noise", big) }
        for key in ["direct", "multi", "lua"] {
            #expect(try c.call("AI.TENSORGET", key, "BLOB") == .bulkString(small), "\(key)")
        }
        for key in ["bigdirect", "bigmulti"] {
            #expect(try c.call("AI.TENSORGET", key, "BLOB") == .bulkString(big), "\(key)")
        }
        #expect(try c.call("AI.TENSORGET", "lua", "VALUES") == .array([.integer(1), .integer(2), .integer(3)]))
    }

    @Test func overwritingReplacesTheTensor() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.TENSORSET", "t", "INT8", 2, "VALUES", 1, 2) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "t", "UINT16", 1, "VALUES", 9) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "t", "META", "VALUES") == .array([
            bulk("dtype"), bulk("UINT16"), bulk("shape"), .array([.integer(1)]), bulk("values"), .array([.integer(9)]),
        ]))
    }

    /// Every `AI.TENSORSET` error, in RedisAI's order and with its exact text.
    @Test func errorTexts() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("SET", "str", "x") == .simpleString("OK"))
        let cases: [([any CommandArgument], String)] = [
            (["AI.TENSORSET", "t", "FLOAT"], "ERR wrong number of arguments for 'AI.TENSORSET' command"),
            (["AI.TENSORSET", "str", "NOTATYPE", 1], "WRONGTYPE Operation against a key holding the wrong kind of value"),
            (["AI.TENSORSET", "t", "UINT32", 1], "ERR invalid data type"),
            (["AI.TENSORSET", "t", "HALF", 1], "ERR invalid data type"),
            (["AI.TENSORSET", "t", "FLOAT32", 1], "ERR invalid data type"),
            (["AI.TENSORSET", "t", "FLOAT", 0], "ERR invalid or negative value found in tensor shape"),
            (["AI.TENSORSET", "t", "FLOAT", -2], "ERR invalid or negative value found in tensor shape"),
            (["AI.TENSORSET", "t", "FLOAT", "2x"], "ERR invalid or negative value found in tensor shape"),
            (["AI.TENSORSET", "t", "FLOAT", "1.5"], "ERR invalid or negative value found in tensor shape"),
            (["AI.TENSORSET", "t", "FLOAT", 1, "BLOB"], "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command"),
            (["AI.TENSORSET", "t", "FLOAT", 1, "BLOB", [0, 0, 0, 0], "extra"], "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command"),
            (["AI.TENSORSET", "t", "FLOAT", 2, "BLOB", [0, 0, 0, 0]], "ERR data length does not match tensor shape and type"),
            (["AI.TENSORSET", "t", "INT64", "4611686018427387904", 4, "BLOB", [0]], "ERR data length does not match tensor shape and type"),
            (["AI.TENSORSET", "t", "BOOL", 2, "BLOB", [1, 2]], "ERR BOOL tensor elements must be 0 or 1"),
            (["AI.TENSORSET", "t", "BOOL", 2, "BLOB", [2, 1]], "ERR BOOL tensor elements must be 0 or 1"),
            (["AI.TENSORSET", "t", "STRING", 2, "BLOB", Array("a\0b".utf8)], "ERR Number of string elements in data blob does not match tensor length"),
            (["AI.TENSORSET", "t", "STRING", 1, "BLOB", Array("a\0b\0".utf8)], "ERR Number of string elements in data blob does not match tensor length"),
            (["AI.TENSORSET", "t", "FLOAT", 2, "VALUES", 1], "ERR wrong number of values was given in 'AI.TENSORSET' command"),
            (["AI.TENSORSET", "t", "FLOAT", 1, "VALUES", 1, 2], "ERR wrong number of values was given in 'AI.TENSORSET' command"),
            (["AI.TENSORSET", "t", "FLOAT", 1, "VALUES", "abc"], "ERR invalid value"),
            (["AI.TENSORSET", "t", "DOUBLE", 1, "VALUES", "nan"], "ERR invalid value"),
            (["AI.TENSORSET", "t", "INT32", 1, "VALUES", "1.87"], "ERR invalid value"),
            (["AI.TENSORSET", "t", "INT8", 1, "VALUES", 128], "ERR invalid value"),
            (["AI.TENSORSET", "t", "INT8", 1, "VALUES", -129], "ERR invalid value"),
            (["AI.TENSORSET", "t", "UINT8", 1, "VALUES", -1], "ERR invalid value"),
            (["AI.TENSORSET", "t", "UINT16", 1, "VALUES", 65536], "ERR invalid value"),
            (["AI.TENSORSET", "t", "BOOL", 1, "VALUES", 2], "ERR invalid value"),
            (["AI.TENSORSET", "t", "INT64", 1, "VALUES", "9223372036854775808"], "ERR invalid value"),
            (["AI.TENSORSET", "t", "STRING", 1, "VALUES", Array("a\0b".utf8)], "ERR C-string value contains null character"),
            (["AI.TENSORSET", "t", "FLOAT", "2000000", "2000000", "2000000"],
             "ERR tensor shape is too large: a tensor without BLOB or VALUES holds at most 536870912 bytes"),
            (["AI.TENSORSET", "t", "FLOAT", "9223372036854775807", "9223372036854775807"],
             "ERR tensor shape is too large: a tensor without BLOB or VALUES holds at most 536870912 bytes"),
        ]
        for (arguments, message) in cases {
            #expect(try c.call(arguments) == .error(message), "\(arguments.map { String(decoding: $0.commandBytes, as: UTF8.self) })")
        }
        // Nothing was written by any failed command, and the string key is untouched.
        #expect(try c.call("EXISTS", "t") == .integer(0))
        #expect(try c.call("GET", "str") == bulk("x"))
    }

    /// Deliberate deviations from RedisAI's bugs: negative INT values, empty
    /// STRING values and a STRING value ending in one NUL are accepted.
    @Test func saneValueRanges() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.TENSORSET", "z", "INT8", 2, "VALUES", -1, -128) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "z", "VALUES") == .array([.integer(-1), .integer(-128)]))
        #expect(try c.call("AI.TENSORSET", "s", "STRING", 2, "VALUES", "", Array("x\0".utf8)) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "s", "BLOB") == .bulkString([0, 120, 0]))
    }

    @Test func tensorSetIsReplicatedVerbatimToTheAOF() throws {
        let server = try Peers.moduleServer(extra: ["--appendonly", "yes", "--appendfsync", "always"])
        let c = try server.connect()
        #expect(try c.call("AI.TENSORSET", "t", "float", 1, "BLOB", [0, 0, 128, 63]) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "bad", "float", 2, "BLOB", [0]) != .simpleString("OK"))
        let aof = try aofText(server)
        #expect(aof.contains("AI.TENSORSET\r\n$1\r\nt\r\n$5\r\nfloat"))
        #expect(!aof.contains("bad"))
    }
}

/// The concatenated AOF files of a server (Redis 7 keeps them in `appendonlydir`).
func aofText(_ server: RedisServer) throws -> String {
    let folder = server.directory.appendingPathComponent("appendonlydir")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    var text = ""
    for name in names where name.contains(".aof") && !name.hasSuffix(".manifest") {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        text += String(decoding: data, as: UTF8.self)
    }
    return text
}
