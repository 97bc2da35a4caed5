import RESP
import Testing
import TandemTesting

/// Hostile input never takes the server down (a Swift trap would): every request below gets an error
/// reply, and the data written before is intact.
@Suite(.needsModule) struct RobustnessTests {
    @Test func hostileRequestsGetErrorsAndLoseNothing() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        #expect(try c.call("AI.TENSORSET", "keep", "FLOAT", 2, "VALUES", "1.5", "-2") == .simpleString("OK"))
        #expect(try c.call("AI.MODELSTORE", "model", "ONNX", "CPU", "BLOB", tinyModel()) == .simpleString("OK"))
        let huge = "9223372036854775807"
        let hostile: [[any CommandArgument]] = [
            ["AI.TENSORSET", "x", "FLOAT", huge, huge, huge, "BLOB", [0, 0, 0, 0]],
            ["AI.TENSORSET", "x", "FLOAT", huge, huge, huge],
            ["AI.TENSORSET", "x", "DOUBLE", "4294967296", "4294967296"],
            ["AI.TENSORSET", "x", "STRING", "4294967296"],
            ["AI.TENSORSET", "x", "FLOAT", "-9223372036854775808", "BLOB", []],
            ["AI.TENSORSET", "x", "INT8", huge, "VALUES", 1, 2, 3],
            ["AI.TENSORSET", "x", "STRING", huge, "VALUES", "a"],
            ["AI.TENSORSET", "x", "STRING", 1, "BLOB", []],
            ["AI.TENSORSET", "x", "STRING", 1, "BLOB", [0, 0]],
            ["AI.TENSORSET", "x", "BOOL", 1, "BLOB", [255]],
            ["AI.TENSORSET", "x", [0xff, 0xfe], 1],
            ["AI.TENSORSET", "x", "", "", ""],
            ["AI.TENSORSET", "x", "FLOAT", "BLOB", "BLOB", "BLOB"],
            ["AI.TENSORSET", "x", "FLOAT", "VALUES"],
            ["AI.TENSORSET", "keep", "INT8", 1, "BLOB", [1, 2]],
            ["AI.TENSORGET", "keep", "META", "META", "META"],
            ["AI.TENSORGET", "keep", [0]],
            ["AI.MODELSTORE", "x", "ONNX", "CPU", "BATCHSIZE", huge, "MINBATCHSIZE", huge, "MINBATCHTIMEOUT", huge],
            ["AI.MODELSTORE", "x", "TF", "CPU", "INPUTS", huge, "a"],
            ["AI.MODELSTORE", "x", "TF", "CPU", "INPUTS", 1, "a", "OUTPUTS", huge, "b"],
            ["AI.MODELSTORE", "x", "TF", "CPU", "INPUTS", "-9223372036854775808", "a"],
            ["AI.MODELSTORE", "x", "ONNX", "CPU:", "TAG"],
            ["AI.MODELSTORE", "keep", "ONNX", "CPU", "BLOB", "garbage"],
            ["AI.MODELSET", "x", "ONNX", "CPU", "TAG"],
            ["AI.MODELSET", "x", "TF", "CPU", "INPUTS"],
            ["AI.MODELGET", "keep"],
            ["AI.MODELEXECUTE", "model", "INPUTS", huge, "keep", "OUTPUTS", huge, "o", "TIMEOUT", huge],
            ["AI.MODELEXECUTE", "model", "INPUTS", 1, "keep", "OUTPUTS", huge, "o", "x"],
            ["AI.MODELEXECUTE", "model", "INPUTS", "-9223372036854775808", "keep", "OUTPUTS", 1, "o"],
            ["AI.MODELEXECUTE", "model", "INPUTS", 1, "model", "OUTPUTS", 1, "keep"],
            ["AI.MODELRUN", "model", "TIMEOUT"],
            ["AI.MODELRUN", "model", "TIMEOUT", huge, "INPUTS"],
            ["AI.MODELDEL", "keep"],
            ["AI.INFO", [0, 0, 0]],
            ["AI.CONFIG", "MODEL_CHUNK_SIZE", huge],
            ["AI.CONFIG", "MODEL_CHUNK_SIZE", "-1"],
            ["AI.CONFIG", "LOADBACKEND", "ONNX", "/etc/passwd"],
            ["AI.SCRIPTEXECUTE", "keep", "f", "KEYS", huge],
            ["AI.SCRIPTSTORE", "x", "CPU", "ENTRY_POINTS", huge, "a", "b", "c", "d"],
            ["AI.SCRIPTSTORE", "x", "CPU", "ENTRY_POINTS", "-5", "a", "SOURCE", "c"],
        ]
        for command in hostile {
            let reply = try c.call(command)
            let text = command.map { String(decoding: $0.commandBytes, as: UTF8.self) }
            switch reply {
            case .error: break
            case .simpleString("OK") where text[0] == "AI.CONFIG": break
            default: Issue.record("expected an error for \(text), got \(reply)")
            }
        }
        #expect(try c.call("AI.CONFIG", "MODEL_CHUNK_SIZE", 535_822_336) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "keep", "VALUES") == .array([bulk("1.5"), bulk("-2")]))
        #expect(try c.call("AI.MODELGET", "model", "BLOB") == .bulkString(tinyModel()))
        #expect(try c.call("DBSIZE") == .integer(2))
    }

    @Test func argumentsOfEveryLength() throws {
        let server = try Peers.moduleServer()
        let c = try server.connect()
        let commands = ["AI.TENSORSET", "AI.TENSORGET", "AI.MODELSTORE", "AI.MODELSET", "AI.MODELGET", "AI.MODELDEL",
                        "AI.MODELEXECUTE", "AI.MODELRUN", "AI._MODELSCAN", "AI.SCRIPTSTORE", "AI.SCRIPTSET", "AI.SCRIPTGET",
                        "AI.SCRIPTDEL", "AI.SCRIPTEXECUTE", "AI.SCRIPTRUN", "AI._SCRIPTSCAN", "AI.INFO", "AI.CONFIG"]
        for command in commands {
            for length in 0..<12 {
                for filler in ["", "1", "BLOB", "INPUTS", "OUTPUTS", "TIMEOUT"] {
                    let reply = try c.call([command] + Array(repeating: filler, count: length))
                    if case .null = reply, command == "AI.CONFIG" { continue }
                    #expect(reply != .null, "\(command) \(length) × \(filler)")
                }
            }
        }
        #expect(try c.call("PING") == .simpleString("PONG"))
        #expect(try c.infoField("clients", "blocked_clients") == "0")
    }
}
