import Foundation
import Testing

/// The real peers the integration tests need besides `redis-server`, found through the
/// environment `make test` sets: the TandemAI module (`TANDEM_MODULE_PATH`), the Python
/// with SmartRedis and onnxruntime (`TANDEM_PYTHON`) and `redis-cli`.
///
/// A missing peer skips the test with a loud message on a developer machine, and fails it
/// when `CI` is set.
///
/// ```swift
/// let server = try Peers.moduleServer()
/// let python = try Peers.python()
/// ```
public enum Peers {
    /// The TandemAI module file from `TANDEM_MODULE_PATH`.
    public static func module() throws -> String {
        let path = ProcessInfo.processInfo.environment["TANDEM_MODULE_PATH"] ?? ""
        try require(!path.isEmpty, "TANDEM_MODULE_PATH is not set: run `make test`, or `make module` and export TANDEM_MODULE_PATH=<path of libTandemAI.so>")
        try require(FileManager.default.fileExists(atPath: path), "TANDEM_MODULE_PATH=\(path) does not exist: run `make module`")
        return path
    }

    /// Whether the module tests should run: the module is configured, or this is CI (where
    /// ``module()`` then fails loudly). For suites skipped as a whole (`.enabled(if:)`).
    public static var moduleTestsEnabled: Bool {
        TestEnvironment.isCI || !(ProcessInfo.processInfo.environment["TANDEM_MODULE_PATH"] ?? "").isEmpty
    }

    /// A plain `redis-server`.
    public static func plainServer() throws -> RedisServer {
        try RedisServer.start()
    }

    /// A `redis-server` with TandemAI loaded with `arguments`, started with the `extra`
    /// options in `directory` (a new temporary directory by default).
    public static func moduleServer(_ arguments: [String] = [], extra: [String] = [], directory: URL? = nil) throws -> RedisServer {
        try RedisServer.start(loadModule: (module(), arguments), extraArguments: extra, directory: directory)
    }

    /// The Python interpreter with the test peers (smartredis==0.6.1, onnxruntime, numpy)
    /// from `TANDEM_PYTHON`.
    public static func python() throws -> String {
        let path = ProcessInfo.processInfo.environment["TANDEM_PYTHON"] ?? ""
        try require(FileManager.default.isExecutableFile(atPath: path),
                    "TANDEM_PYTHON does not name the test peers' Python (smartredis==0.6.1, onnxruntime): run `make test`")
        return path
    }

    /// `redis-cli` (it comes with `redis-server`).
    public static func redisCLI() throws -> String {
        let found = ["/usr/bin/redis-cli", "/usr/local/bin/redis-cli"].first { FileManager.default.isExecutableFile(atPath: $0) }
        try require(found != nil, "redis-cli not found (it comes with redis-server: apt-get install redis-server)")
        return found!
    }

    /// Skips the current test with a loud message when `available` is false; under `CI`
    /// records a failure and throws instead.
    public static func require(_ available: Bool, _ what: String) throws {
        guard !available else { return }
        if TestEnvironment.isCI {
            Issue.record("missing test peer under CI: \(what)")
            throw TestEnvironmentError(what)
        }
        let message = "SKIPPED (missing peer): \(what)"
        FileHandle.standardError.write(Data("\n*** \(message) ***\n".utf8))
        try Test.cancel(Comment(rawValue: message))
    }
}
