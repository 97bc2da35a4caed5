import Foundation
import RESP
import Testing
import TandemTesting

/// TorchScript scripts (`AI.SCRIPT*`) compiled and run by the TORCH backend: several
/// functions in one script, both the current and the deprecated commands, outputs equal to
/// PyTorch's in process, RedisAI's errors, and a raised exception coming back as an error.
@Suite(.needsModule) struct TorchScriptTests {
    @Test func scriptFunctionsMatchPyTorch() throws {
        let fixtures = try Torch.fixtures()
        let server = try Torch.lazyServer()
        let c = try server.connect()
        let source = try fixtures.file("script.py")
        // The deprecated form SmartRedis sends: no entry points, any function callable.
        #expect(try c.call("AI.SCRIPTSET", "s", "CPU", "SOURCE", source) == .simpleString("OK"))
        #expect(try c.call("TYPE", "s") == .simpleString("AI_SCRIPT"))
        try Torch.set(c, "p", fixtures.inputs["bar"]![0])
        try Torch.set(c, "q", fixtures.inputs["bar"]![1])
        #expect(try c.call("AI.SCRIPTRUN", "s", "bar", "INPUTS", "p", "q", "OUTPUTS", "r") == .simpleString("OK"))
        #expect(try Torch.difference(c, "r", fixtures.outputs["bar"]![0]) <= 1e-6)
        #expect(try c.call("AI.SCRIPTRUN", "s", "normalize", "INPUTS", "q", "OUTPUTS", "n") == .simpleString("OK"))
        #expect(try Torch.difference(c, "n", fixtures.outputs["normalize"]![0]) <= 1e-5)
        #expect(try c.call("AI.SCRIPTGET", "s", "SOURCE") == .bulkString(source))
        #expect(try c.call("AI.SCRIPTGET", "s", "META") == .array([bulk("device"), bulk("CPU"), bulk("tag"), bulk(""), bulk("Entry Points"), .array([])]))

        // The current form: entry points (List[Tensor], List[str], List[str]), KEYS and ARGS.
        #expect(try c.call("AI.SCRIPTSTORE", "s2", "CPU", "TAG", "t1", "ENTRY_POINTS", 2, "scale", "fails", "SOURCE", source)
                == .simpleString("OK"))
        #expect(try c.call("AI.SCRIPTEXECUTE", "s2", "scale", "KEYS", 1, "s2", "INPUTS", 2, "p", "q", "ARGS", 1, "2.5",
                           "OUTPUTS", 2, "o1", "o2", "TIMEOUT", 10_000) == .simpleString("OK"))
        #expect(try Torch.difference(c, "o1", fixtures.outputs["scale"]![0]) <= 1e-6)
        #expect(try Torch.difference(c, "o2", fixtures.outputs["scale"]![1]) <= 1e-6)
        #expect(try c.call("AI.SCRIPTGET", "s2") == .array([
            bulk("device"), bulk("CPU"), bulk("tag"), bulk("t1"), bulk("Entry Points"), .array([bulk("scale"), bulk("fails")]),
            bulk("source"), .bulkString(source),
        ]))
        let info = try c.call("AI.INFO", "s2").array ?? []
        #expect(info.count == 18)
        #expect(info[3] == bulk("SCRIPT"))
        #expect(info[5] == bulk("TORCH"))
        #expect(info[13] == .integer(-1))
        #expect(info[15] == .integer(1))
        let scan = try c.call("AI._SCRIPTSCAN").array ?? []
        #expect(Set(scan.compactMap { $0.array?.first?.string }) == ["s", "s2"])
        #expect(try c.call("AI._MODELSCAN") == .array([]))
        #expect(try c.call("AI.SCRIPTDEL", "s") == .simpleString("OK"))
        #expect(try c.call("AI.SCRIPTDEL", "s") == .error("ERR script key is empty"))
        #expect(try c.call("AI.INFO", "s") == .error("ERR cannot find run info for key"))
    }

    @Test func anExceptionRaisedInAScriptComesBackAsAnError() throws {
        let fixtures = try Torch.fixtures()
        let server = try Torch.server()
        let c = try server.connect()
        #expect(try c.call("AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", 1, "fails", "SOURCE", try fixtures.file("script.py"))
                == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "pos", "FLOAT", 2, "VALUES", 1, 2) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "neg", "FLOAT", 2, "VALUES", -1, -2) == .simpleString("OK"))
        let raised = try c.call("AI.SCRIPTEXECUTE", "s", "fails", "INPUTS", 1, "pos", "OUTPUTS", 1, "out")
        #expect(Torch.isError(raised, containing: "ValueError: the sum is positive"), "\(raised)")
        #expect(try c.call("EXISTS", "out") == .integer(0))
        #expect(try c.call("AI.SCRIPTEXECUTE", "s", "fails", "INPUTS", 1, "neg", "OUTPUTS", 1, "out") == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "out", "VALUES") == .array([bulk("-1"), bulk("-2")]))
        let info = try c.call("AI.INFO", "s").array ?? []
        #expect(info[15] == .integer(2))
        #expect(info[17] == .integer(1))
        #expect(try c.call("PING") == .simpleString("PONG"))
    }

    @Test func scriptErrorsAsRedisAI() throws {
        let fixtures = try Torch.fixtures()
        let server = try Torch.server()
        let c = try server.connect()
        let source = try fixtures.file("script.py")
        #expect(try c.call("AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", 1, "scale", "SOURCE", source) == .simpleString("OK"))
        #expect(try c.call("AI.TENSORSET", "p", "FLOAT", 2, "VALUES", 1, 2) == .simpleString("OK"))
        #expect(try c.call("SET", "str", "v") == .simpleString("OK"))
        let cases: [([any CommandArgument], RESPValue)] = [
            (["AI.SCRIPTEXECUTE", "s", "scale"], .error("ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE command")),
            (["AI.SCRIPTEXECUTE", "s", "scale", "ARGS", 1, "2"], .error("ERR KEYS or INPUTS scope must be provided first for AI.SCRIPTEXECUTE command")),
            (["AI.SCRIPTEXECUTE", "s", "scale", "KEYS"], .error("ERR Missing arguments after KEYS keyword")),
            (["AI.SCRIPTEXECUTE", "s", "scale", "KEYS", -1], .error("ERR Invalid or negative value found in number of KEYS")),
            (["AI.SCRIPTEXECUTE", "s", "scale", "KEYS", 3, "a"], .error("ERR Number of pre declared KEYS to be used in the command does not match the number of given arguments")),
            (["AI.SCRIPTEXECUTE", "s", "scale", "INPUTS", "x", "p"], .error("ERR Invalid argument for inputs count in AI.SCRIPTEXECUTE")),
            (["AI.SCRIPTEXECUTE", "s", "scale", "INPUTS", 4, "p"], .error("ERR number of inputs to AI.SCRIPTEXECUTE command does not match the number of given arguments")),
            (["AI.SCRIPTEXECUTE", "s", "scale", "INPUTS", 1, "p", "INPUTS", 1, "p"], .error("ERR Already Encountered INPUTS scope in AI.SCRIPTEXECUTE command")),
            (["AI.SCRIPTEXECUTE", "s", "scale", "INPUTS", 1, "p", "TIMEOUT"], .error("ERR No value provided for TIMEOUT in AI.SCRIPTEXECUTE")),
            (["AI.SCRIPTEXECUTE", "s", "scale", "INPUTS", 1, "p", "BLOB"], .error("ERR Invalid AI.SCRIPTEXECUTE command. Unexpected argument: BLOB")),
            (["AI.SCRIPTEXECUTE", "s", "bar", "INPUTS", 1, "p"], .error("ERR Function bar is not an entry point of the script (entry points: scale)")),
            (["AI.SCRIPTEXECUTE", "s", "scale", "INPUTS", 1, "missing", "OUTPUTS", 1, "o"], .error("ERR tensor key is empty or in a different shard")),
            (["AI.SCRIPTEXECUTE", "nope", "scale", "INPUTS", 1, "p"], .error("ERR script key is empty")),
            (["AI.SCRIPTEXECUTE", "str", "scale", "INPUTS", 1, "p"], wrongType),
            (["AI.SCRIPTEXECUTE", "s"], arityError("AI.SCRIPTEXECUTE")),
            (["AI.SCRIPTRUN", "s", "scale", "OUTPUTS", "o"], .error("ERR Insufficient arguments, missing INPUTS")),
            (["AI.SCRIPTGET", "nope"], .error("ERR script key is empty")),
            (["AI.SCRIPTGET", "str"], wrongType),
            (["AI.SCRIPTDEL", "str"], wrongType),
            (["AI.SCRIPTSTORE", "s", "TPU", "ENTRY_POINTS", 1, "f", "SOURCE", "x"], .error("ERR Invalid DEVICE")),
            (["AI.SCRIPTSTORE", "str", "CPU", "ENTRY_POINTS", 1, "scale", "SOURCE", source], wrongType),
        ]
        for (arguments, expected) in cases {
            #expect(try c.call(arguments) == expected, "\(arguments.map { String(decoding: $0.commandBytes, as: UTF8.self) })")
        }
        // The backend's reasons: a syntax error, a missing or badly typed entry point, the
        // wrong number of outputs, a GPU.
        let syntax = try c.call("AI.SCRIPTSET", "bad", "CPU", "SOURCE", "def f(a:\n  return")
        guard case .error = syntax else { Issue.record("stored a syntax error: \(syntax)"); return }
        let missing = try c.call("AI.SCRIPTSTORE", "bad", "CPU", "ENTRY_POINTS", 1, "nothere", "SOURCE", source)
        #expect(missing == .error("function nothere does not exist in the script"))
        let signature = try c.call("AI.SCRIPTSTORE", "bad", "CPU", "ENTRY_POINTS", 1, "bar", "SOURCE", source)
        #expect(signature == .error("Wrong signature of entry point bar: it must be (tensors: List[Tensor], keys: List[str], args: List[str])"))
        let gpu = try c.call("AI.SCRIPTSET", "bad", "GPU:0", "SOURCE", source)
        #expect(Torch.isError(gpu, containing: "GPU requested but Torch couldn't find CUDA"), "\(gpu)")
        #expect(try c.call("EXISTS", "bad") == .integer(0))
        let outputs = try c.call("AI.SCRIPTEXECUTE", "s", "scale", "INPUTS", 2, "p", "p", "ARGS", 1, "2", "OUTPUTS", 1, "o")
        #expect(outputs == .error("Function returned unexpected number of outputs - scale (2 returned, 1 OUTPUTS given)"))
        // Inside MULTI a run cannot block.
        #expect(try c.call("MULTI") == .simpleString("OK"))
        #expect(try c.call("AI.SCRIPTEXECUTE", "s", "scale", "INPUTS", 2, "p", "p", "ARGS", 1, "2", "OUTPUTS", 2, "o1", "o2") == .simpleString("QUEUED"))
        #expect(try c.call("EXEC") == .array([.error("ERR Cannot run RedisAI command within a transaction or a LUA script")]))
        #expect(try c.call("EXISTS", "o", "o1") == .integer(0))
        #expect(try c.call("COMMAND", "GETKEYS", "AI.SCRIPTEXECUTE", "s", "scale", "KEYS", 1, "k", "INPUTS", 2, "p", "q", "ARGS", 1, "2", "OUTPUTS", 1, "o")
                == .array([bulk("s"), bulk("k"), bulk("p"), bulk("q"), bulk("o")]))
        #expect(try c.call("COMMAND", "GETKEYS", "AI.SCRIPTRUN", "s", "bar", "INPUTS", "p", "$", "q", "OUTPUTS", "o")
                == .array([bulk("s"), bulk("p"), bulk("q"), bulk("o")]))
    }
}
