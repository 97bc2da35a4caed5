import RESP
import Testing
import TandemTesting

/// `AI.SCRIPT*` without the TORCH backend library: syntax checked as RedisAI does, then a
/// clear refusal naming the missing library; no script can exist, so readers find none.
@Suite(.needsModule) struct ScriptTests {
    static let unsupported = RESPValue.error(
        "ERR Could not load backend TORCH: /nonexistent/redisai_torch/redisai_torch.so: cannot open shared object file: No such file or directory (build it with `make torch-backend`, or load it with AI.CONFIG LOADBACKEND TORCH <path>)")
    static let noScript = RESPValue.error("ERR script key is empty")

    @Test func scriptCommands() throws {
        let server = try Peers.moduleServer(["BACKENDSPATH", "/nonexistent"])
        let c = try server.connect()
        #expect(try c.call("AI.TENSORSET", "t", "FLOAT", 1) == .simpleString("OK"))
        let cases: [([any CommandArgument], RESPValue)] = [
            (["AI.SCRIPTSET", "s", "CPU", "SOURCE", "def f(a):\n    return a\n"], Self.unsupported),
            (["AI.SCRIPTSET", "s", "CPU", "TAG", "v", "SOURCE", "x"], Self.unsupported),
            (["AI.SCRIPTSET", "s", "CPU", "SOURCE"], arityError("AI.SCRIPTSET")),
            (["AI.SCRIPTSET", "s", "CPU", "CODE", "x"], .error("ERR Insufficient arguments, missing script SOURCE")),
            (["AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", 1, "f", "SOURCE", "x"], Self.unsupported),
            (["AI.SCRIPTSTORE", "s", "CPU", "TAG", "t", "ENTRY_POINTS", 1, "f", "SOURCE", "x"], Self.unsupported),
            (["AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", 1, "f", "SOURCE"], arityError("AI.SCRIPTSTORE")),
            (["AI.SCRIPTSTORE", "s", "CPU", "TAG", "t", "SOURCE", "x", "y"], .error("ERR Insufficient arguments, missing script entry points")),
            (["AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", "one", "f", "SOURCE", "x"],
             .error("ERR Non numeric entry points number provided to AI.SCRIPTSTORE command")),
            (["AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", 9, "f", "SOURCE", "x"], .error("ERR Insufficient arguments, missing script entry points")),
            (["AI.SCRIPTSTORE", "s", "CPU", "ENTRY_POINTS", 1, "f", "SRC", "x"], .error("ERR Insufficient arguments, missing script SOURCE")),
            (["AI.SCRIPTGET", "s"], Self.noScript),
            (["AI.SCRIPTGET", "s", "SOURCE"], Self.noScript),
            (["AI.SCRIPTGET", "t", "SOURCE"], wrongType),
            (["AI.SCRIPTGET"], arityError("AI.SCRIPTGET")),
            (["AI.SCRIPTDEL", "s"], Self.noScript),
            (["AI.SCRIPTDEL", "s", "x"], arityError("AI.SCRIPTDEL")),
            (["AI.SCRIPTRUN", "s", "f", "INPUTS", "t", "OUTPUTS", "o"], Self.noScript),
            (["AI.SCRIPTRUN", "s"], arityError("AI.SCRIPTRUN")),
            (["AI.SCRIPTEXECUTE", "s", "f", "INPUTS", 1, "t"], Self.noScript),
            (["AI.SCRIPTEXECUTE", "t", "f", "INPUTS", 1, "t"], wrongType),
            (["AI.SCRIPTEXECUTE", "s"], arityError("AI.SCRIPTEXECUTE")),
            (["AI._SCRIPTSCAN"], .array([])),
        ]
        for (arguments, expected) in cases {
            #expect(try c.call(arguments) == expected, "\(arguments.map { String(decoding: $0.commandBytes, as: UTF8.self) })")
        }
        #expect(try c.call("DBSIZE") == .integer(1))
    }
}
