import Foundation
import Glibc
import RESP

/// A real `redis-server` started for one test on a free loopback port, in its own temporary
/// directory, and stopped (SIGTERM, then SIGKILL) when ``stop()`` is called or the value dies.
///
/// ```swift
/// let server = try RedisServer.start(loadModule: (Peers.module(), []))
/// let connection = try server.connect()
/// ```
public final class RedisServer: @unchecked Sendable {
    /// The TCP port on 127.0.0.1.
    public let port: Int
    /// The server's working directory (RDB/AOF files land here).
    public let directory: URL
    private let process: Process
    private let arguments: [String]

    private init(port: Int, directory: URL, process: Process, arguments: [String]) {
        self.port = port
        self.directory = directory
        self.process = process
        self.arguments = arguments
    }

    /// Starts `redis-server` and waits until it answers PING.
    ///
    /// - Parameters:
    ///   - loadModule: a module to load, with its load-time arguments.
    ///   - extraArguments: more `--option value` pairs.
    ///   - directory: where to run; a new temporary directory by default.
    /// - Throws: ``TestEnvironmentError`` when `redis-server` is missing or does not start.
    public static func start(loadModule: (path: String, arguments: [String])? = nil,
                             extraArguments: [String] = [],
                             directory: URL? = nil,
                             port fixedPort: Int? = nil) throws -> RedisServer {
        let executable = try TestEnvironment.redisServerPath()
        let directory = try directory ?? TestEnvironment.makeTemporaryDirectory(prefix: "redis")
        let port = try fixedPort ?? TestEnvironment.freePort()
        var arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--dir", directory.path,
                         "--save", "", "--appendonly", "no", "--daemonize", "no",
                         "--enable-debug-command", "yes", "--enable-module-command", "yes",
                         "--logfile", "redis.log"]
        if let module = loadModule {
            arguments += ["--loadmodule", module.path] + module.arguments
        }
        arguments += extraArguments
        return try launch(URL(fileURLWithPath: executable), arguments: arguments, port: port, directory: directory)
    }

    /// Starts a second server with the same arguments in the same directory, after this one
    /// stopped: a restart that loads whatever this one saved.
    public func restart() throws -> RedisServer {
        stop()
        return try Self.launch(process.executableURL!, arguments: arguments, port: port, directory: directory)
    }

    /// Runs `redis-server` with `arguments` in `directory` and waits until it answers PING.
    private static func launch(_ executable: URL, arguments: [String], port: Int, directory: URL) throws -> RedisServer {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = RedisServer(port: port, directory: directory, process: process, arguments: arguments)
        try server.waitUntilReady()
        return server
    }

    /// Whether the server process is still running.
    public var isRunning: Bool { process.isRunning }

    /// The server's log, for failure messages.
    public var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
    }

    /// Opens a new connection to the server.
    public func connect() throws -> RedisTestConnection {
        try RedisTestConnection(port: port)
    }

    /// Stops the server: `SHUTDOWN NOSAVE`, then SIGTERM, then SIGKILL after two seconds.
    ///
    /// The command comes first because a child spawned from a Swift concurrency thread
    /// (where Swift Testing runs tests) inherits that thread's signal mask, which blocks
    /// SIGTERM: Redis would never see the signal.
    public func stop() {
        guard process.isRunning else { return }
        if let connection = try? RedisTestConnection(port: port) {
            try? connection.write(RESPEncoder.command([Array("SHUTDOWN".utf8), Array("NOSAVE".utf8)]))
            waitForExit(seconds: 2)
        }
        if process.isRunning {
            process.terminate()
            waitForExit(seconds: 2)
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    private func waitForExit(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(5_000) }
    }

    deinit { stop() }

    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard process.isRunning else {
                throw TestEnvironmentError("redis-server exited during start-up:\n\(log)")
            }
            if let connection = try? RedisTestConnection(port: port),
               let reply = try? connection.send("PING"), reply == .simpleString("PONG") {
                return
            }
            usleep(20_000)
        }
        stop()
        throw TestEnvironmentError("redis-server did not answer PING within 10 s:\n\(log)")
    }
}
