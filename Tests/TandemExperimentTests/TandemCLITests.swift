import Foundation
import Glibc
import Testing
import TandemTesting
@testable import TandemExperiment

/// The `tandem` admin CLI, run as the program it is.
@Suite struct TandemCLITests {
    let tandem = TestEnvironment.builtProgram("tandem")

    func run(_ arguments: [String], module: String? = nil) throws -> (status: Int32, output: String, error: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["TANDEM_MODULE_PATH"] = module
        return try TestEnvironment.run(tandem, arguments, environment: environment)
    }

    @Test func startDetachedThenStatusThenStop() throws {
        let module = try Peers.module()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "cli")
        let port = try TestEnvironment.freePort()
        let address = "127.0.0.1:\(port)"

        let started = try run(["start", "--port", "\(port)", "--threads", "2", "--detach", "--directory", directory.path], module: module)
        #expect(started.status == 0, "\(started.error)")
        #expect(started.output.contains("Database started at address: \(address)"))
        // Detached: the database outlived the command.
        let status = try run(["status", "--address", address])
        #expect(status.status == 0, "\(status.error)")
        #expect(status.output.contains("module:    ai"))
        #expect(status.output.contains("THREADS_PER_QUEUE 2"))

        let stopped = try run(["stop", "--address", address])
        #expect(stopped.status == 0, "\(stopped.error)")
        let after = try run(["status", "--address", address])
        #expect(after.status != 0)
        #expect(after.error.contains("cannot connect to \(address)"))
    }

    @Test func startWithAPasswordFileThenStatusAndStopNeedIt() throws {
        let module = try Peers.module()
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "cli-password")
        let port = try TestEnvironment.freePort()
        let address = "127.0.0.1:\(port)"
        let passwordFile = directory.appendingPathComponent("password")
        try Data("cli-secret\n".utf8).write(to: passwordFile)

        let started = try run(["start", "--port", "\(port)", "--detach", "--password-file", passwordFile.path,
                               "--directory", directory.appendingPathComponent("db").path], module: module)
        #expect(started.status == 0, "\(started.error)")
        defer { _ = try? run(["stop", "--address", address, "--password-file", passwordFile.path]) }
        let configuration = try String(contentsOf: directory.appendingPathComponent("db/orchestrator/orchestrator_0.conf"), encoding: .utf8)
        #expect(configuration.contains("requirepass \"cli-secret\""))
        #expect(!started.output.contains("cli-secret") && !started.error.contains("cli-secret"))

        var environment = ProcessInfo.processInfo.environment
        environment["TANDEM_DB_PASSWORD"] = nil
        let without = try TestEnvironment.run(tandem, ["status", "--address", address], environment: environment)
        #expect(without.status == 1)
        #expect(without.error.contains("requires a password: give --password-file FILE or set TANDEM_DB_PASSWORD"), "\(without.error)")
        let stopWithout = try TestEnvironment.run(tandem, ["stop", "--address", address], environment: environment)
        #expect(stopWithout.status == 1)

        let status = try run(["status", "--address", address, "--password-file", passwordFile.path])
        #expect(status.status == 0, "\(status.error)")
        #expect(status.output.contains("module:    ai"))
        let stopped = try run(["stop", "--address", address, "--password-file", passwordFile.path])
        #expect(stopped.status == 0, "\(stopped.error)")
        #expect(stopped.output.contains("Database \(address) stopped."))
    }

    @Test func aBusyPortIsRefusedWithTheLibrarysMessage() throws {
        let module = try Peers.module()
        let occupant = try RedisServer.start()
        defer { occupant.stop() }
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "cli")
        let result = try run(["start", "--port", "\(occupant.port)", "--directory", directory.path], module: module)
        #expect(result.status == 1)
        #expect(result.error.contains("port \(occupant.port) on 127.0.0.1 is already in use"))
    }

    @Test func badOptionsAreValidationErrors() throws {
        let result = try run(["stop", "--address", "nonsense"])
        #expect(result.status == 64)  // EX_USAGE, ArgumentParser's validation failure
        #expect(result.error.contains("host:port"))
    }

    /// A port out of range was a trap (SIGILL) in the integer conversion; now every subcommand
    /// that takes `--address` refuses it as a usage error.
    @Test func portsOutOfRangeAreUsageErrorsInEverySubcommand() throws {
        let subcommands = [["status"], ["stop"], ["keys"], ["tensor", "x"], ["dataset", "x"],
                           ["run-model", "m", "--inputs", "a", "--outputs", "b"]]
        for subcommand in subcommands {
            for address in ["127.0.0.1:99999", "127.0.0.1:-5", "127.0.0.1:0", "127.0.0.1:x"] {
                let result = try run(subcommand + ["--address", address])
                #expect(result.status == 64, "\(subcommand) --address \(address): \(result.status) \(result.error)")
                #expect(result.error.contains("port from 1 to 65535") || result.error.contains("host:port"))
            }
        }
        var environment = ProcessInfo.processInfo.environment
        environment["SSDB"] = "127.0.0.1:70000"
        let fromSSDB = try TestEnvironment.run(tandem, ["status"], environment: environment)
        #expect(fromSSDB.status == 64 && fromSSDB.error.contains("SSDB"), "\(fromSSDB.error)")
    }

    @Test func countsAndFilesAreCheckedBeforeAnythingStarts() throws {
        for arguments in [["start", "--threads", "100000"], ["start", "--threads", "0"], ["start", "--port", "70000"],
                          ["tensor", "x", "--values", "100000000"], ["stop", "--timeout", "1e9"]] {
            let result = try run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.error)")
        }
        let missing = try run(["status", "--password-file", "/nonexistent/password"])
        #expect(missing.status == 64)
        #expect(missing.error.contains("cannot read the password file /nonexistent/password: no such file"), "\(missing.error)")
        let parent = try TestEnvironment.makeTemporaryDirectory(prefix: "cli-file")
        let file = parent.appendingPathComponent("plain")
        try Data("x".utf8).write(to: file)
        let module = try Peers.module()
        let blocked = try run(["start", "--port", String(try TestEnvironment.freePort()), "--directory", file.appendingPathComponent("db").path],
                              module: module)
        #expect(blocked.status == 1)
        #expect(blocked.error.contains("\(file.path) is a file, not a folder"), "\(blocked.error)")
        #expect(!blocked.error.contains("NSCocoaErrorDomain"))
    }

    /// A client waiting for a database that is not there says so once, and until when.
    @Test func aClientWaitingForAnAbsentDatabaseSaysSo() throws {
        let port = try TestEnvironment.freePort()
        let result = try run(["tensor", "absent", "--address", "127.0.0.1:\(port)"])
        #expect(result.status == 1)
        let notes = result.error.components(separatedBy: "retrying every").count - 1
        #expect(notes == 1, "\(result.error)")
        #expect(result.error.contains("cannot reach the database at 127.0.0.1:\(port)"))
        #expect(result.error.contains("for up to 2 s"))
    }
}

/// The data commands against a database filled by the real SmartRedis client.
extension TandemCLITests {
    /// A running database (through the experiment) and a way to run Python against it.
    func withDatabase(_ body: (_ address: String, _ python: (String) throws -> Void) throws -> Void) throws {
        let module = try Peers.module(), python = try Peers.python()
        let (experiment, _) = try makeExperiment("cli")
        var database = try experiment.createDatabase(port: try TestEnvironment.freePort())
        database.modulePath = module
        try experiment.start(database)
        defer { experiment.stop(database) }
        try body(database.address) { script in
            var environment = ProcessInfo.processInfo.environment
            environment["SSDB"] = database.address
            environment["SR_DB_TYPE"] = "Standalone"
            environment["SR_LOG_LEVEL"] = "QUIET"
            let result = try TestEnvironment.run(python, ["-c", script], environment: environment)
            #expect(result.status == 0, "python: \(result.error)")
        }
    }

    @Test func keysTensorAndDatasetShowWhatSmartRedisStored() throws {
        try withDatabase { address, python in
            try python("""
                import os, numpy as np
                from smartredis import Client, Dataset
                os.environ["SSKEYOUT"] = "fd_0"
                c = Client(cluster=False)
                c.put_tensor("u", np.array([[1, 2], [3, 4]], dtype=np.float32))
                d = Dataset("sim_data_3")
                d.add_tensor("u_init", np.full((1, 4, 4, 1), 0.5, dtype=np.float32))
                d.add_meta_scalar("step", 3)
                d.add_meta_string("note", "hi")
                c.put_dataset(d)
                """)
            let keys = try run(["keys", "--address", address])
            #expect(keys.status == 0, "\(keys.error)")
            let listed = keys.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            #expect(listed == [["fd_0.u", "AI_TENSOR"], ["fd_0.{sim_data_3}.meta", "hash"], ["fd_0.{sim_data_3}.u_init", "AI_TENSOR"]])

            let tensor = try run(["tensor", "u", "--source", "fd_0", "--values", "3", "--address", address])
            #expect(tensor.status == 0, "\(tensor.error)")
            #expect(tensor.output.contains("dtype FLOAT  shape [2, 2]  elements 4"))
            #expect(tensor.output.contains("min 1  max 4  mean 2.5  std 1.11803"))
            #expect(tensor.output.contains("first: 1 2 3"))

            let dataset = try run(["dataset", "sim_data_3", "--source", "fd_0", "--address", address])
            #expect(dataset.status == 0, "\(dataset.error)")
            #expect(dataset.output.contains("tensor u_init"))
            #expect(dataset.output.contains("dtype FLOAT  shape [1, 4, 4, 1]  elements 16"))
            #expect(dataset.output.contains("meta step (INT64): 3"))
            #expect(dataset.output.contains("meta note (STRING): \"hi\""))

            let missing = try run(["tensor", "u", "--address", address])  // without the prefix
            #expect(missing.status == 1)
            #expect(missing.error.contains("\"u\"") && missing.error.contains("does not exist"))
        }
    }

    @Test func runModelRunsAStoredModelInTheDatabase() throws {
        try withDatabase { address, python in
            try python("""
                import numpy as np, onnx
                from onnx import TensorProto, helper
                from smartredis import Client
                x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
                y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
                graph = helper.make_graph([helper.make_node("Add", ["x", "x"], ["y"])], "double", [x], [y])
                model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
                model.ir_version = 8
                c = Client(cluster=False)
                c.set_model("double", model.SerializeToString(), "ONNX", "CPU")
                c.put_tensor("x", np.array([[1, 2, 3, 4]], dtype=np.float32))
                """)
            let result = try run(["run-model", "double", "--inputs", "x", "--outputs", "y", "--address", address])
            #expect(result.status == 0, "\(result.error)")
            #expect(result.output.contains("ran double in"))
            #expect(result.output.contains("dtype FLOAT  shape [1, 4]  elements 4"))
            #expect(result.output.contains("min 2  max 8  mean 5"))
        }
    }
}
