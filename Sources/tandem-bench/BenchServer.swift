import ArgumentParser
import Foundation
import TandemRedis

/// A `redis-server` for a benchmark's duration: a free loopback port, no persistence, its
/// own temporary directory (removed by ``stop()``), optionally with the TandemAI module.
final class BenchServer {
    /// `REDIS_SERVER`, else `redis-server` from `PATH`.
    static let defaultExecutable = RedisServerProcess.defaultExecutable() ?? "/usr/bin/redis-server"

    private let process: RedisServerProcess
    private let directory: URL

    /// The server's port on 127.0.0.1.
    var port: Int { process.port }

    /// Starts the server and waits until it answers PING.
    init(executable: String = BenchServer.defaultExecutable, module: String?, moduleArguments: [String] = []) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            process = try RedisServerProcess.start(executable: executable, directory: directory.path,
                                                   module: module.map { ($0, moduleArguments) })
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw ValidationError("\(error)")
        }
    }

    /// A new connection to the server.
    func connect() throws -> RedisConnection {
        try RedisConnection.open(port: port, timeoutMilliseconds: 0)
    }

    /// Stops the server and removes its directory.
    func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}
