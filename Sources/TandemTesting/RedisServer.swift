import Foundation
import RESP
import TandemRedis

/// A real `redis-server` started for one test on a free loopback port, in its own temporary
/// directory, and stopped when ``stop()`` is called or the value dies.
///
/// Test servers never sleep on purpose: debug and module commands are on, and a replica's
/// full sync starts at once (`repl-diskless-sync-delay 0`).
///
/// ```swift
/// let server = try RedisServer.start(loadModule: (Peers.module(), []))
/// let connection = try server.connect()
/// ```
public final class RedisServer: @unchecked Sendable {
    private let process: RedisServerProcess

    private init(_ process: RedisServerProcess) { self.process = process }

    /// The TCP port on 127.0.0.1.
    public var port: Int { process.port }
    /// The server's working directory (RDB/AOF files land here).
    public var directory: URL { URL(fileURLWithPath: process.directory) }
    /// The server's process id.
    public var processID: pid_t { process.processID }

    /// Starts `redis-server` and waits until it answers PING.
    ///
    /// - Parameters:
    ///   - loadModule: a module to load, with its load-time arguments.
    ///   - extraArguments: more `--option value` pairs.
    ///   - directory: where to run; a new temporary directory by default.
    ///   - port: the port; a free one by default.
    /// - Throws: ``TestEnvironmentError`` when `redis-server` is missing or does not start.
    public static func start(loadModule: (path: String, arguments: [String])? = nil,
                             extraArguments: [String] = [],
                             directory: URL? = nil,
                             port: Int? = nil) throws -> RedisServer {
        let directory = try directory ?? TestEnvironment.makeTemporaryDirectory(prefix: "redis")
        let testing = ["--enable-debug-command", "yes", "--enable-module-command", "yes",
                       "--repl-diskless-sync-delay", "0"]
        do {
            return RedisServer(try RedisServerProcess.start(
                executable: try TestEnvironment.redisServerPath(), port: port, directory: directory.path,
                module: loadModule, extraArguments: testing + extraArguments))
        } catch let error as RedisServerError {
            throw TestEnvironmentError(error.description)
        }
    }

    /// Starts a second server with the same arguments in the same directory, after this one
    /// stopped: a restart that loads whatever this one saved.
    public func restart() throws -> RedisServer {
        do {
            return RedisServer(try process.restart())
        } catch {
            throw TestEnvironmentError(error.description)
        }
    }

    /// Whether the server process is still running.
    public var isRunning: Bool { process.isRunning }

    /// Waits up to `seconds` for the server to exit; returns whether it did.
    @discardableResult
    public func waitForExit(seconds: Double) -> Bool { process.waitForExit(seconds: seconds) }

    /// The server's log, for failure messages.
    public var log: String { process.log }

    /// Opens a new connection to the server (replies may take up to a minute).
    public func connect() throws -> RedisConnection {
        try RedisConnection.open(port: port, timeoutMilliseconds: 60_000)
    }

    /// Stops the server: `SHUTDOWN NOSAVE`, then SIGTERM, then SIGKILL.
    public func stop() { process.stop() }
}
