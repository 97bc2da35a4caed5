import ArgumentParser
import Foundation
import TandemClient

/// The client benchmarks' cases run by the SmartRedis Python client (standalone or in
/// cluster mode) in a long-lived Python process, timed there with `perf_counter`: each
/// request `case iterations` on stdin is answered with the milliseconds per operation on
/// stdout.
final class SmartRedisPeer {
    private let peer: LinePeerProcess

    /// Starts the peer, or returns `nil` without a usable interpreter.
    init?(python: String?, ssdb: String, clustered: Bool) throws {
        guard let python, FileManager.default.isExecutableFile(atPath: python) else { return nil }
        var environment = ProcessInfo.processInfo.environment
        environment[ClientVariables.address] = ssdb
        environment[ClientVariables.databaseType] = clustered ? "Clustered" : "Standalone"
        environment["SR_LOG_LEVEL"] = "QUIET"
        for key in [ClientVariables.keyIn, ClientVariables.keyOut] { environment[key] = nil }
        peer = try LinePeerProcess(executable: python, arguments: ["-c", Self.script], environment: environment)
    }

    /// Milliseconds per operation of `name` over `iterations` operations.
    func time(_ name: String, iterations: Int) throws -> Double {
        peer.send("\(name) \(iterations)")
        guard let line = peer.readLine() else { throw ValidationError("the SmartRedis peer exited") }
        guard let ms = Double(line) else { throw ValidationError("the SmartRedis peer said: \(line)") }
        return ms
    }

    func stop() { peer.stop() }

    static let script = """
        import sys, time
        import numpy as np
        from smartredis import Client, Dataset
        client = Client(None)
        rng = np.random.default_rng(1)
        small = rng.random((64, 64), dtype=np.float32)
        batch = rng.random((400, 64, 64), dtype=np.float32)
        dataset = Dataset("py_sim_data")
        field = rng.random((1, 64, 64, 1), dtype=np.float32)
        dataset.add_tensor("u_init", field)
        dataset.add_tensor("u_steady", field[:, ::-1].copy())
        def tensor_put_get():
            client.put_tensor("py_small", small); client.get_tensor("py_small")
        def batch_put_get():
            client.put_tensor("py_batch", batch); client.get_tensor("py_batch")
        def put_dataset():
            client.put_dataset(dataset)
        def batch_put():
            client.put_tensor("py_batch", batch)
        def batch_get():
            client.get_tensor("py_batch")
        cases = {"tensor_put_get": tensor_put_get, "batch_put_get": batch_put_get, "batch_put": batch_put,
                 "batch_get": batch_get, "put_dataset": put_dataset}
        for line in sys.stdin:
            name, iterations = line.split()
            fn, iterations = cases[name], int(iterations)
            start = time.perf_counter()
            for _ in range(iterations): fn()
            print((time.perf_counter() - start) * 1000 / iterations, flush=True)
        """
}
