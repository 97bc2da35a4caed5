import Glibc
import RESP
import TandemTensor
import Testing
import TandemTesting

/// At least 10,000 random and mutated `AI.*` commands against a live server: it keeps
/// answering, tensors written before are intact, and memory returns near its start.
@Suite(.needsModule) struct FuzzTests {
    static let commands = ["AI.TENSORSET", "AI.TENSORGET", "AI.MODELSTORE", "AI.MODELSET", "AI.MODELGET", "AI.MODELDEL",
                           "AI.MODELEXECUTE", "AI.MODELRUN", "AI._MODELSCAN", "AI.SCRIPTSTORE", "AI.SCRIPTSET",
                           "AI.SCRIPTGET", "AI.SCRIPTDEL", "AI.SCRIPTEXECUTE", "AI.SCRIPTRUN", "AI._SCRIPTSCAN",
                           "AI.INFO", "AI.CONFIG", "ai.tensorset", "Ai.TensorGet"]
    static let words = ["META", "BLOB", "VALUES", "INPUTS", "OUTPUTS", "TIMEOUT", "TAG", "BATCHSIZE", "MINBATCHSIZE",
                        "MINBATCHTIMEOUT", "ONNX", "TF", "TORCH", "TFLITE", "CPU", "GPU", "GPU:1", "CPU:", "FLOAT", "DOUBLE",
                        "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "BOOL", "STRING", "GET", "MODEL_CHUNK_SIZE",
                        "RESETSTAT", "SOURCE", "ENTRY_POINTS", "KEYS", "ARGS", "$", "|>", "keep0", "keep1", "model0"]
    static let numbers = ["0", "1", "2", "3", "7", "16", "-1", "-128", "255", "256", "65536", "1.5", "nan", "inf", "-inf",
                          "4294967296", "9223372036854775807", "-9223372036854775808", "18446744073709551616", "", " 1", "+1"]
    static let fuzzKeys = (0..<8).map { "f\($0)" }

    struct Fuzzer {
        var rng: SeededGenerator

        mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }

        mutating func blob() -> [UInt8] {
            let count = Int.random(in: 0..<(Bool.random(using: &rng) ? 16 : 600), using: &rng)
            return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }

        mutating func argument() -> [UInt8] {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<4: Array(pick(FuzzTests.words).utf8)
            case 4..<7: Array(pick(FuzzTests.numbers).utf8)
            case 7..<9: Array(pick(FuzzTests.fuzzKeys).utf8)
            default: blob()
            }
        }

        /// A command that is valid or nearly so.
        mutating func template() -> [[UInt8]] {
            let key = Array(pick(FuzzTests.fuzzKeys).utf8)
            let t = { (s: String) in Array(s.utf8) }
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: return [t("AI.TENSORSET"), key, t("FLOAT"), t("2"), t("BLOB"), [0, 0, 128, 63, 0, 0, 0, 64]]
            case 1: return [t("AI.TENSORSET"), key, t("INT16"), t("3"), t("VALUES"), t("1"), t("-2"), t("300")]
            case 2: return [t("AI.TENSORGET"), key, t("META"), t("VALUES")]
            case 3: return [t("AI.MODELSTORE"), key, t("ONNX"), t("CPU"), t("TAG"), t("v"), t("BATCHSIZE"), t("4"), t("BLOB"), blob(), blob()]
            case 4: return [t("AI.MODELEXECUTE"), t("model0"), t("INPUTS"), t("1"), t("keep0"), t("OUTPUTS"), t("1"), key, t("TIMEOUT"), t("100")]
            default: return [t("AI.MODELGET"), key, t("META"), t("BLOB")]
            }
        }

        mutating func mutate(_ command: [[UInt8]]) -> [[UInt8]] {
            var command = command
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let index = Int.random(in: 1..<max(2, command.count), using: &rng)
                switch Int.random(in: 0..<6, using: &rng) {
                case 0 where command.count > 2: command.remove(at: min(index, command.count - 1))
                case 1: command.insert(argument(), at: min(index, command.count))
                case 2 where index < command.count: command[index] = argument()
                case 3 where index < command.count && !command[index].isEmpty:
                    command[index][Int.random(in: 0..<command[index].count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                case 4 where index < command.count: command[index] = Array(command[index].prefix(command[index].count / 2))
                default: command.append(argument())
                }
            }
            // Writes only ever target fuzz keys: argv[1] of any command is one.
            if command.count > 1 && !FuzzTests.fuzzKeys.contains(String(decoding: command[1], as: UTF8.self))
                && !["model0", "keep0", "keep1"].contains(String(decoding: command[1], as: UTF8.self)) {
                command[1] = Array(pick(FuzzTests.fuzzKeys).utf8)
            }
            return command
        }

        mutating func command() -> [[UInt8]] {
            if Bool.random(using: &rng) { return mutate(template()) }
            var command = [Array(pick(FuzzTests.commands).utf8), Array(pick(FuzzTests.fuzzKeys).utf8)]
            for _ in 0..<Int.random(in: 0..<10, using: &rng) { command.append(argument()) }
            return command
        }
    }

    @Test func tenThousandRandomAndMutatedCommands() throws {
        // Redis 7 allocates a ~25 KB latency histogram per command on first use: turned
        // off so that used_memory shows the module's allocations only.
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "2"], extra: ["--latency-tracking", "no"])
        let setup = try server.connect()
        let keep = littleEndianBytes((0..<1000).map { Float($0) / 3 })
        #expect(try setup.call("AI.TENSORSET", "keep0", "FLOAT", 10, 100, "BLOB", keep) == .simpleString("OK"))
        #expect(try setup.call("AI.TENSORSET", "keep1", "STRING", 2, "VALUES", "x", "yz") == .simpleString("OK"))
        #expect(try setup.call("AI.MODELSTORE", "model0", "ONNX", "CPU", "BLOB", tinyModel()) == .simpleString("OK"))
        let snapshot = try [setup.call("AI.TENSORGET", "keep0"), setup.call("AI.TENSORGET", "keep1", "META", "VALUES"),
                            setup.call("AI.MODELGET", "model0")]
        let startMemory = try #require(Int(try setup.infoField("memory", "used_memory") ?? ""))

        var fuzzer = Fuzzer(rng: SeededGenerator(seed: 20_240_503))
        var counts: [String: Int] = [:]
        do {
            let c = try server.connect()
            for i in 0..<12_000 {
                let command = fuzzer.command()
                // A protected key may appear as argv[1] only for commands that cannot write it.
                let name = String(decoding: command[0], as: UTF8.self).uppercased()
                if ["keep0", "keep1", "model0"].contains(String(decoding: command[1], as: UTF8.self)),
                   ["AI.TENSORSET", "AI.MODELSTORE", "AI.MODELSET", "AI.MODELDEL"].contains(name) { continue }
                let reply = try c.send(command)
                switch reply {
                case .error: counts["error", default: 0] += 1
                default: counts["ok", default: 0] += 1
                }
                if i % 1000 == 0 { #expect(try setup.call("PING") == .simpleString("PONG")) }
            }
        }
        #expect(counts.values.reduce(0, +) >= 10_000, "\(counts)")
        #expect((counts["ok"] ?? 0) > 100, "the fuzzer should also produce valid commands: \(counts)")
        #expect(try setup.call("PING") == .simpleString("PONG"))
        #expect(try [setup.call("AI.TENSORGET", "keep0"), setup.call("AI.TENSORGET", "keep1", "META", "VALUES"),
                     setup.call("AI.MODELGET", "model0")] == snapshot)
        #expect(try setup.infoField("clients", "blocked_clients") == "0")
        // Remove what the fuzzer created; memory comes back near its start.
        #expect(try setup.call("AI.CONFIG", "MODEL_CHUNK_SIZE", 535_822_336) == .simpleString("OK"))
        _ = try setup.call(["DEL"] + FuzzTests.fuzzKeys)
        #expect(try setup.call("DBSIZE") == .integer(3))
        var endMemory = Int.max
        try TestEnvironment.waitUntil {
            endMemory = Int(try setup.infoField("memory", "used_memory") ?? "") ?? Int.max
            return endMemory - startMemory < 256 * 1024
        }
        #expect(endMemory - startMemory < 256 * 1024, "used_memory \(startMemory) → \(endMemory)")
        #expect(server.isRunning)
    }
}

