import Foundation
import RESP
import Testing
import TandemTesting

/// Hand-built `AI_SCRIPT` payloads (RedisAI's encoding 4: device, tag, source, entry-point
/// count and names) through `RESTORE`: a valid one restores and runs; forged counts, cut
/// fields and wrong opcodes are refused with `ERR Bad data format`; a source that does not
/// compile is kept, so no data is lost, and its runs answer why. The server keeps serving.
@Suite(.needsModule) struct ScriptPayloadTests {
    static let scriptID: UInt64 = 0x008F_D209_120F_4C04

    static func body(device: String = "CPU", tag: String = "t", source: String, entryPoints: [String] = []) -> [UInt8] {
        var body = DumpPayload.string(Array(device.utf8) + [0]) + DumpPayload.string(Array(tag.utf8))
        body += DumpPayload.string(Array(source.utf8) + [0]) + DumpPayload.unsigned(UInt64(entryPoints.count))
        for name in entryPoints { body += DumpPayload.string(Array(name.utf8) + [0]) }
        return body + [0]
    }

    @Test func craftedScriptPayloads() throws {
        let server = try Torch.server()
        let c = try server.connect()
        #expect(try c.call("AI.TENSORSET", "p", "FLOAT", 2, "VALUES", 1, 2) == .simpleString("OK"))
        let source = "def f(a):\n    return a * 2\n\ndef g(tensors: List[Tensor], keys: List[str], args: List[str]):\n    return tensors[0] + 1\n"

        // Valid: restores, runs, and DUMPs back to the same script.
        let valid = DumpPayload.payload(moduleID: Self.scriptID, body: Self.body(source: source, entryPoints: ["g"]))
        #expect(try c.call("RESTORE", "s", 0, valid) == .simpleString("OK"))
        // (Redis may compress long strings in its own DUMP, so compare what a RESTORE of it holds.)
        let again = try #require(try c.call("DUMP", "s").bytes)
        #expect(try c.call("RESTORE", "s2", 0, again) == .simpleString("OK"))
        #expect(try c.call("AI.SCRIPTGET", "s2") == c.call("AI.SCRIPTGET", "s"))
        #expect(try c.call("DEL", "s2") == .integer(1))
        #expect(try c.call("AI.SCRIPTGET", "s", "META") == .array([bulk("device"), bulk("CPU"), bulk("tag"), bulk("t"), bulk("Entry Points"), .array([bulk("g")])]))
        #expect(try c.call("AI.SCRIPTEXECUTE", "s", "g", "INPUTS", 1, "p", "OUTPUTS", 1, "o") == .simpleString("OK"))
        #expect(try c.call("AI.TENSORGET", "o", "VALUES") == .array([bulk("2"), bulk("3")]))

        let device = DumpPayload.string(Array("CPU".utf8) + [0])
        let tag = DumpPayload.string(Array("t".utf8))
        let text = DumpPayload.string(Array(source.utf8) + [0])
        let refused: [(String, [UInt8])] = [
            ("entry-point count 2^60, none present", device + tag + text + DumpPayload.unsigned(1 << 60) + [0]),
            ("entry-point count 2, one present", device + tag + text + DumpPayload.unsigned(2) + DumpPayload.string(Array("g\0".utf8)) + [0]),
            ("no tag", device + [0]),
            ("no source", device + tag + [0]),
            ("no entry-point count", device + tag + text + [0]),
            ("device as an integer", DumpPayload.unsigned(3) + tag + text + DumpPayload.unsigned(0) + [0]),
            ("source declaring 2^40 bytes", device + tag + [0x05] + DumpPayload.length(1 << 40) + Array(source.utf8) + DumpPayload.unsigned(0) + [0]),
            ("empty body", [0]),
        ]
        for (name, body) in refused {
            let reply = try c.call("RESTORE", "bad", 0, DumpPayload.payload(moduleID: Self.scriptID, body: body))
            #expect(reply == .error("ERR Bad data format"), "\(name): \(reply)")
        }
        // Another encoding version (the id's low bits: 3) is refused too.
        let v3 = DumpPayload.payload(moduleID: Self.scriptID - 1, body: Self.body(source: source))
        #expect(try c.call("RESTORE", "bad", 0, v3) == .error("ERR Bad data format"))
        #expect(try c.call("EXISTS", "bad") == .integer(0))

        // A source that does not compile (or a bad entry point) is kept, and runs say why.
        let broken = DumpPayload.payload(moduleID: Self.scriptID, body: Self.body(source: "def f(:\n"))
        #expect(try c.call("RESTORE", "broken", 0, broken) == .simpleString("OK"))
        #expect(try c.call("AI.SCRIPTGET", "broken", "SOURCE") == bulk("def f(:\n"))
        let run = try c.call("AI.SCRIPTRUN", "broken", "f", "INPUTS", "p", "OUTPUTS", "o2")
        guard case .error = run else { Issue.record("ran a script that does not compile: \(run)"); return }
        let badEntry = DumpPayload.payload(moduleID: Self.scriptID, body: Self.body(source: source, entryPoints: ["f"]))
        #expect(try c.call("RESTORE", "badentry", 0, badEntry) == .simpleString("OK"))
        #expect(try c.call("AI.SCRIPTEXECUTE", "badentry", "f", "INPUTS", 1, "p", "OUTPUTS", 1, "o3")
                == .error("Wrong signature of entry point f: it must be (tensors: List[Tensor], keys: List[str], args: List[str])"))
        #expect(try c.call("EXISTS", "o2", "o3") == .integer(0))
        #expect(try c.call("DBSIZE") == .integer(5))
        #expect(try c.call("PING") == .simpleString("PONG"))
    }
}
