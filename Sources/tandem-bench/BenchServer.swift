import ArgumentParser
import Foundation
import RESP

/// A `redis-server` for a benchmark's duration: a free loopback port, no persistence, its
/// own temporary directory (removed by ``stop()``), optionally with the TandemAI module.
final class BenchServer {
    /// `REDIS_SERVER`, else `/usr/bin/redis-server`.
    static let defaultExecutable = ProcessInfo.processInfo.environment["REDIS_SERVER"] ?? "/usr/bin/redis-server"

    let port: Int
    private let process = Process()
    private let directory: URL

    /// Starts the server and waits until it answers PING.
    init(executable: String = BenchServer.defaultExecutable, module: String?) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try BenchConnection.freePort()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", directory.path, "--logfile", "redis.log"] + (module.map { ["--loadmodule", $0] } ?? [])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<1000 {
            if let connection = try? BenchConnection(port: port), (try? connection.call([Array("PING".utf8)])) == .simpleString("PONG") {
                return
            }
            guard process.isRunning else { break }
            usleep(10_000)
        }
        stop()
        throw ValidationError("redis-server\(module.map { " with \($0)" } ?? "") did not start; see \(directory.path)/redis.log")
    }

    /// Stops the server (`SHUTDOWN NOSAVE`, then SIGKILL after two seconds) and removes its directory.
    func stop() {
        guard process.isRunning else { return }
        if let connection = try? BenchConnection(port: port) {
            try? connection.write(RESPEncoder.command([Array("SHUTDOWN".utf8), Array("NOSAVE".utf8)]))
        }
        for _ in 0..<200 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}
