import Foundation
import RESP
import Testing
import TandemTesting

/// TorchScript models made by the real PyTorch, stored with `AI.MODELSTORE … TORCH` and run
/// in the database by the TORCH backend library: outputs equal PyTorch's in process.
@Suite(.needsModule) struct TorchModelTests {
    @Test func backendLoadsOnFirstUseAndModelsMatchPyTorch() throws {
        let fixtures = try Torch.fixtures()
        let server = try Torch.lazyServer()
        let c = try server.connect()
        // Nothing loaded until a TORCH model arrives.
        #expect(try c.call("AI.CONFIG", "GET", "BACKENDS").array?.count == 1)
        #expect(try c.infoField("modules", "ai_Torch_version") == nil)
        let cnn = try fixtures.file("cnn.pt")
        #expect(try c.call("AI.MODELSTORE", "cnn", "TORCH", "CPU", "TAG", "v1", "BLOB", cnn) == .simpleString("OK"))
        let backends = try c.call("AI.CONFIG", "GET", "BACKENDS").array ?? []
        #expect(backends.count == 2)
        #expect(backends.last?.array?.first == bulk("TORCH"))
        #expect(try c.infoField("modules", "ai_Torch_version") == "2.13.0")
        #expect(try c.call("AI.MODELGET", "cnn", "BLOB") == .bulkString(cnn))

        try Torch.set(c, "x", fixtures.inputs["cnn"]![0])
        #expect(try c.call("AI.MODELEXECUTE", "cnn", "INPUTS", 1, "x", "OUTPUTS", 1, "y", "TIMEOUT", 10_000) == .simpleString("OK"))
        #expect(try Torch.difference(c, "y", fixtures.outputs["cnn"]![0]) <= 1e-5)
        // The deprecated form SmartRedis 0.6.1 does not use but RedisAI keeps.
        #expect(try c.call("AI.MODELRUN", "cnn", "INPUTS", "x", "OUTPUTS", "y2") == .simpleString("OK"))
        #expect(try Torch.difference(c, "y2", fixtures.outputs["cnn"]![0]) <= 1e-5)

        // Two inputs (INT64, DOUBLE), three outputs (INT64, DOUBLE, BOOL).
        #expect(try c.call("AI.MODELSTORE", "multi", "TORCH", "cpu", "BLOB", try fixtures.file("multi.pt")) == .simpleString("OK"))
        try Torch.set(c, "a", fixtures.inputs["multi"]![0])
        try Torch.set(c, "b", fixtures.inputs["multi"]![1])
        #expect(try c.call("AI.MODELEXECUTE", "multi", "INPUTS", 2, "a", "b", "OUTPUTS", 3, "o1", "o2", "o3") == .simpleString("OK"))
        for (k, name) in ["o1", "o2", "o3"].enumerated() {
            #expect(try Torch.difference(c, name, fixtures.outputs["multi"]![k]) <= 1e-12, "\(name)")
        }
        let info = try c.call("AI.INFO", "cnn").array ?? []
        #expect(info.count == 18)
        #expect(info[5] == bulk("TORCH"))
        #expect(info[9] == bulk("v1"))
        #expect(info[13] == .integer(8))  // two runs, batch 4
        #expect(info[15] == .integer(2))
    }

    /// A single sample (which the backend runs on one thread) and a batch of 256 (whose
    /// large buffers it keeps for the next run) give PyTorch's outputs run after run, and
    /// still after another model is deleted (which gives the kept buffers back), with
    /// libtorch's default thread count and with INTRA_OP_PARALLELISM 2.
    @Test(arguments: [[String](), ["INTRA_OP_PARALLELISM", "2"]])
    func oneSampleAndLargeBatchesMatchPyTorchRunAfterRun(settings: [String]) throws {
        let fixtures = try Torch.fixtures()
        let server = try Peers.moduleServer(settings + ["TORCH", try Peers.torchBackend()])
        let c = try server.connect()
        let cnn = try fixtures.file("cnn.pt")
        #expect(try c.call("AI.MODELSTORE", "cnn", "TORCH", "CPU", "BLOB", cnn) == .simpleString("OK"))
        #expect(try c.call("AI.MODELSTORE", "other", "TORCH", "CPU", "BLOB", cnn) == .simpleString("OK"))
        // The CNN treats each sample alone: [4, 1, 16, 16] -> [4, 10].
        let input = fixtures.inputs["cnn"]![0], output = fixtures.outputs["cnn"]![0]
        try Torch.set(c, "one", input.rows(1..<2))
        try Torch.set(c, "many", input.repeated(64))
        let cases = [("one", "y1", output.rows(1..<2)), ("many", "y256", output.repeated(64))]
        for round in 0..<3 {
            if round == 2 { #expect(try c.call("AI.MODELDEL", "other") == .simpleString("OK")) }
            for (x, y, expected) in cases {
                #expect(try c.call("AI.MODELEXECUTE", "cnn", "INPUTS", 1, x, "OUTPUTS", 1, y) == .simpleString("OK"))
                #expect(try Torch.difference(c, y, expected) <= 1e-5, "round \(round), input \(x)")
            }
        }
        #expect(try c.call("AI.INFO", "cnn").array?[13] == .integer(3 * 257))  // samples run
    }

    @Test func badModelsAndInputsGetClearErrors() throws {
        let fixtures = try Torch.fixtures()
        let server = try Torch.server()
        let c = try server.connect()
        let cnn = try fixtures.file("cnn.pt")
        let gpu = try c.call("AI.MODELSTORE", "g", "TORCH", "GPU", "BLOB", cnn)
        #expect(Torch.isError(gpu, containing: "GPU requested but Torch couldn't find CUDA"), "\(gpu)")
        #expect(Torch.isError(gpu, containing: "no GPU"), "\(gpu)")
        for garbage in [[UInt8]("not a model".utf8), Array(cnn.prefix(1000)), [UInt8](repeating: 0, count: 4096)] {
            let reply = try c.call("AI.MODELSTORE", "bad", "TORCH", "CPU", "BLOB", garbage)
            guard case .error = reply else { Issue.record("stored garbage: \(reply)"); continue }
        }
        #expect(try c.call("EXISTS", "g", "bad") == .integer(0))

        #expect(try c.call("AI.MODELSTORE", "cnn", "TORCH", "CPU", "BLOB", cnn) == .simpleString("OK"))
        try Torch.set(c, "x", fixtures.inputs["cnn"]![0])
        #expect(try c.call("AI.MODELEXECUTE", "cnn", "INPUTS", 1, "x", "OUTPUTS", 2, "y", "z")
                == .error("Number of keys given as OUTPUTS here does not match model definition"))
        #expect(try c.call("AI.MODELEXECUTE", "cnn", "INPUTS", 2, "x", "x", "OUTPUTS", 1, "y")
                == .error("Number of keys given as INPUTS here does not match model definition"))
        // An input the network cannot take: libtorch's reason, nothing written.
        #expect(try c.call("AI.TENSORSET", "xi", "INT32", 4, 1, 16, 16) == .simpleString("OK"))
        let wrongType = try c.call("AI.MODELEXECUTE", "cnn", "INPUTS", 1, "xi", "OUTPUTS", 1, "y")
        #expect(Torch.isError(wrongType, containing: "Input type (int) and bias type (float) should be the same"), "\(wrongType)")
        #expect(try c.call("AI.TENSORSET", "xs", "FLOAT", 2, 3) == .simpleString("OK"))
        let wrongShape = try c.call("AI.MODELEXECUTE", "cnn", "INPUTS", 1, "xs", "OUTPUTS", 1, "y")
        guard case .error = wrongShape else { Issue.record("ran on a 2-D input: \(wrongShape)"); return }
        #expect(try c.call("AI.TENSORSET", "str", "STRING", 1, "VALUES", "a") == .simpleString("OK"))
        #expect(try c.call("AI.MODELEXECUTE", "cnn", "INPUTS", 1, "str", "OUTPUTS", 1, "y")
                == .error("ERR STRING tensors cannot be inputs of TORCH models or scripts"))
        #expect(try c.call("EXISTS", "y") == .integer(0))
        let info = try c.call("AI.INFO", "cnn").array ?? []
        #expect(info[17] == .integer(3))  // three failed runs
        #expect(try c.call("PING") == .simpleString("PONG"))
    }

    @Test func missingBackendGivesAClearErrorAndLoadsLater() throws {
        let fixtures = try Torch.fixtures()
        let library = try Peers.torchBackend()
        let server = try Peers.moduleServer(["BACKENDSPATH", "/nonexistent/backends"])
        let c = try server.connect()
        let cnn = try fixtures.file("cnn.pt")
        let missing = try c.call("AI.MODELSTORE", "cnn", "TORCH", "CPU", "BLOB", cnn)
        #expect(missing == .error("ERR Could not load backend TORCH: /nonexistent/backends/redisai_torch/redisai_torch.so: cannot open shared object file: No such file or directory (build it with `make torch-backend`, or load it with AI.CONFIG LOADBACKEND TORCH <path>)"))
        let script = try c.call("AI.SCRIPTSET", "s", "CPU", "SOURCE", "def f(a):\n    return a\n")
        #expect(Torch.isError(script, containing: "ERR Could not load backend TORCH: "), "\(script)")
        #expect(try c.call("AI.CONFIG", "LOADBACKEND", "TORCH", "/nonexistent/x.so")
                == .error("ERR error loading backend: /nonexistent/x.so: cannot open shared object file: No such file or directory"))
        // A library that is not a backend is refused by name, and the server carries on.
        let notBackend = try c.call("AI.CONFIG", "LOADBACKEND", "TORCH", "/lib/x86_64-linux-gnu/libz.so.1")
        #expect(Torch.isError(notBackend, containing: "does not export tandem_backend_abi_version"), "\(notBackend)")
        #expect(try c.call("AI.CONFIG", "LOADBACKEND", "TF", "x.so")
                == .error("ERR error loading backend: TandemAI has no TF backend (it runs ONNX built in, and TORCH from a backend library)"))
        #expect(try c.call("EXISTS", "cnn", "s") == .integer(0))
        // Loading it by path makes TORCH work.
        #expect(try c.call("AI.CONFIG", "LOADBACKEND", "TORCH", library) == .simpleString("OK"))
        #expect(try c.call("AI.MODELSTORE", "cnn", "TORCH", "CPU", "BLOB", cnn) == .simpleString("OK"))
        try Torch.set(c, "x", fixtures.inputs["cnn"]![0])
        #expect(try c.call("AI.MODELEXECUTE", "cnn", "INPUTS", 1, "x", "OUTPUTS", 1, "y") == .simpleString("OK"))
        #expect(try Torch.difference(c, "y", fixtures.outputs["cnn"]![0]) <= 1e-5)
    }

    /// A TorchScript file (a CNN with two bytes changed) on which libtorch 2.13's loader
    /// segfaults instead of throwing: the backend loads it in a separate process first, so
    /// the store is refused and the server lives.
    @Test func aModelThatCrashesLibtorchIsRefusedAndTheServerLives() throws {
        let fixtures = try Torch.fixtures()
        let python = try Peers.torchPython()
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python/crashes_libtorch_loader.pt")
        let blob = [UInt8](try Data(contentsOf: file))
        // Does it still crash this libtorch in a plain Python process?
        let probe = try TestEnvironment.run(python, ["-c", "import sys, torch\ntry:\n    torch.jit.load(sys.argv[1])\nexcept Exception:\n    pass\n", file.path])
        let crashesLibtorch = probe.status != 0
        let server = try Torch.server()
        let c = try server.connect()
        let reply = try c.call("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", blob)
        guard case .error(let text) = reply else { Issue.record("stored a malformed model: \(reply)"); return }
        if crashesLibtorch {
            #expect(text.hasPrefix("malformed TorchScript model: loading it crashed libtorch (signal 11)"), "\(text)")
        }
        #expect(try c.call("PING") == .simpleString("PONG"))
        #expect(try c.call("EXISTS", "m") == .integer(0))
        #expect(try c.call("AI.MODELSTORE", "m", "TORCH", "CPU", "BLOB", try fixtures.file("cnn.pt")) == .simpleString("OK"))
        #expect(server.isRunning)
    }

    @Test func aBackendThatFailsToLoadAtLoadTimeFailsTheModuleLoad() throws {
        let failure = #expect(throws: TestEnvironmentError.self) { try Peers.moduleServer(["TORCH", "/nonexistent/x.so"]) }
        #expect(failure?.description.contains("ERR error processing argument: TORCH /nonexistent/x.so (could not load the backend") == true,
                "\(failure?.description ?? "")")
    }
}
