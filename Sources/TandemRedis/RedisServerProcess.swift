import Glibc
import RESP

/// A `redis-server` that this process started and owns, on a loopback port, for tests and
/// benchmarks (an experiment's databases go through its launcher instead).
///
/// It runs in the foreground with no persistence unless `extraArguments` turn it on, logs to
/// `redis.log` in its directory, and is ready when it answers `PING`. ``stop()`` ends it:
/// `SHUTDOWN NOSAVE`, then `SIGTERM`, then `SIGKILL`; the process is always reaped.
///
/// ```swift
/// let server = try RedisServerProcess.start(directory: "/tmp/db", module: ("/path/libTandemAI.so", []))
/// let connection = try RedisConnection.open(port: server.port)
/// server.stop()
/// ```
public final class RedisServerProcess: @unchecked Sendable {
    /// The TCP port on 127.0.0.1.
    public let port: Int
    /// The server's working directory (its log, RDB and AOF files land here).
    public let directory: String
    /// The `redis-server` executable.
    public let executable: String
    /// Every argument it was started with.
    public let arguments: [String]
    /// Its process id.
    public let processID: pid_t
    private var exitStatus: Int32?

    private init(port: Int, directory: String, executable: String, arguments: [String], processID: pid_t) {
        self.port = port
        self.directory = directory
        self.executable = executable
        self.arguments = arguments
        self.processID = processID
    }

    deinit { stop() }

    /// `REDIS_SERVER` from the environment, else the first `redis-server` along `PATH`,
    /// `/usr/bin` and `/usr/sbin`, or `nil`.
    public static func defaultExecutable() -> String? {
        if let path = getenv("REDIS_SERVER").map({ String(cString: $0) }), !path.isEmpty { return path }
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        for folder in path.split(separator: ":") + ["/usr/bin", "/usr/sbin"] {
            let candidate = "\(folder)/redis-server"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Starts `redis-server` and waits until it answers `PING`.
    ///
    /// - Parameters:
    ///   - executable: the server program; ``defaultExecutable()`` when `nil`.
    ///   - port: the port; a free one when `nil`.
    ///   - directory: an existing directory to run in.
    ///   - module: a module to load, with its load-time arguments.
    ///   - extraArguments: more `--option value` words, after the defaults (so they win).
    ///   - readyWithinSeconds: how long start-up may take before it counts as failed.
    /// - Throws: ``RedisServerError`` when the program is missing, exits or does not answer.
    public static func start(executable: String? = nil, port: Int? = nil, directory: String,
                             module: (path: String, arguments: [String])? = nil, extraArguments: [String] = [],
                             readyWithinSeconds: Int = 60) throws(RedisServerError) -> RedisServerProcess {
        guard let executable = executable ?? defaultExecutable() else {
            throw RedisServerError("redis-server not found: install it (apt-get install redis-server) or set REDIS_SERVER")
        }
        let port = if let port { port } else { try freePort() }
        var arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--dir", directory,
                         "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "redis.log"]
        if let module {
            arguments += ["--loadmodule", module.path] + module.arguments
        }
        arguments += extraArguments
        return try launch(executable: executable, arguments: arguments, port: port, directory: directory,
                          readyWithinSeconds: readyWithinSeconds)
    }

    private static func freePort() throws(RedisServerError) -> Int {
        do throws(SocketError) { return try Ports.free() } catch { throw RedisServerError("no free port: \(error)") }
    }

    /// Stops this server and starts it again with the same arguments in the same directory:
    /// a restart that loads whatever it saved.
    public func restart(readyWithinSeconds: Int = 60) throws(RedisServerError) -> RedisServerProcess {
        stop()
        return try Self.launch(executable: executable, arguments: arguments, port: port, directory: directory,
                               readyWithinSeconds: readyWithinSeconds)
    }

    /// Whether the process is still running (it is reaped once it ended).
    public var isRunning: Bool {
        guard exitStatus == nil else { return false }
        var status: Int32 = 0
        let result = waitpid(processID, &status, WNOHANG)
        if result == processID || (result < 0 && errno == ECHILD) {
            exitStatus = status
            return false
        }
        return true
    }

    /// The server's log file.
    public var logPath: String { directory + "/redis.log" }

    /// Waits up to `seconds` for the process to end; returns whether it did.
    @discardableResult
    public func waitForExit(seconds: Double) -> Bool {
        let deadline = Self.now() + seconds
        while isRunning {
            if Self.now() >= deadline { return false }
            sleep(milliseconds: 5)
        }
        return true
    }

    /// Stops the server: `SHUTDOWN NOSAVE`, then `SIGTERM` after 10 s, then `SIGKILL` after
    /// 10 s more, and reaps it.
    public func stop() {
        guard isRunning else { return }
        if let connection = try? RedisConnection.open(port: port, timeoutMilliseconds: 5_000) {
            try? connection.write(RESPCommandBytes.shutdownNoSave)
            waitForExit(seconds: 10)
        }
        if isRunning {
            kill(processID, SIGTERM)
            waitForExit(seconds: 10)
        }
        if isRunning {
            kill(processID, SIGKILL)
            var status: Int32 = 0
            while waitpid(processID, &status, 0) < 0 && errno == EINTR {}
            exitStatus = status
        }
    }

    /// Spawns the server with default signal handling (a parent thread may block `SIGTERM`,
    /// which a child would inherit), output to `/dev/null`, then waits for `PING`.
    private static func launch(executable: String, arguments: [String], port: Int, directory: String,
                               readyWithinSeconds: Int) throws(RedisServerError) -> RedisServerProcess {
        let processID = try spawn(executable, arguments: arguments)
        let server = RedisServerProcess(port: port, directory: directory, executable: executable,
                                        arguments: arguments, processID: processID)
        let deadline = now() + Double(readyWithinSeconds)
        while now() < deadline {
            guard server.isRunning else {
                throw RedisServerError("redis-server exited during start-up; its log (\(server.logPath)):\n\(server.log)")
            }
            if let connection = try? RedisConnection.open(port: port, timeoutMilliseconds: 2_000),
               let reply = try? connection.send("PING"), Self.isAnswer(reply) {
                return server
            }
            sleep(milliseconds: 2)
        }
        server.stop()
        throw RedisServerError("redis-server did not answer PING within \(readyWithinSeconds) s; its log:\n\(server.log)")
    }

    /// Whether a reply to `PING` shows a server that serves: `PONG`, or a refusal because
    /// it wants a password.
    private static func isAnswer(_ reply: RESPValue) -> Bool {
        if case .error(let message) = reply { return message.hasPrefix("NOAUTH") }
        return reply == .simpleString("PONG")
    }

    /// The log's text, for failure messages.
    public var log: String {
        guard let file = fopen(logPath, "r") else { return "" }
        defer { fclose(file) }
        var text: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            text += buffer[0..<count]
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func spawn(_ executable: String, arguments: [String]) throws(RedisServerError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var processID: pid_t = 0
        let result = posix_spawn(&processID, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw RedisServerError("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return processID
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// A `redis-server` could not be started, with the reason (and its log when it has one).
public struct RedisServerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}

/// Commands sent as raw bytes because their reply may never come.
enum RESPCommandBytes {
    /// `SHUTDOWN NOSAVE`.
    static let shutdownNoSave = RESPEncoder.command([Array("SHUTDOWN".utf8), Array("NOSAVE".utf8)])
}
