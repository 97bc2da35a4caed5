import Foundation
import Glibc
import TandemRedis

/// What starting a database needs, found and checked before anything is launched.
struct DatabaseLaunchPlan: Sendable {
    var redisServer: String
    var modulePath: String
}

extension Orchestrator {
    /// Finds `redis-server` and the module file and checks that the port is free, so a
    /// refused start fails with a clear message before any process exists.
    ///
    /// - Parameter environment: where `REDIS_SERVER`, `TANDEM_MODULE_PATH` and `PATH` are read.
    /// - Throws: ``ExperimentError`` with code `redisServerNotFound`, `moduleNotFound` or `portInUse`.
    func preflight(environment: [String: String]) throws(ExperimentError) -> DatabaseLaunchPlan {
        let serverName = redisServer ?? environment["REDIS_SERVER"] ?? "redis-server"
        guard let server = ExecutableLookup.find(serverName, path: environment["PATH"]) else {
            throw ExperimentError(.redisServerNotFound,
                "cannot start database \(name): redis-server \"\(serverName)\" was not found"
                + (serverName.contains("/") ? "" : " in PATH")
                + "; install Redis 7 (apt-get install redis-server) or set REDIS_SERVER to its path")
        }
        guard let module = modulePath ?? environment["TANDEM_MODULE_PATH"], !module.isEmpty else {
            throw ExperimentError(.moduleNotFound,
                "cannot start database \(name): no TandemAI module given; set Orchestrator.modulePath or "
                + "TANDEM_MODULE_PATH to libTandemAI.so (built by `make module`)")
        }
        guard FileManager.default.isReadableFile(atPath: module) else {
            throw ExperimentError(.moduleNotFound,
                "cannot start database \(name): the TandemAI module file \(module) does not exist or is unreadable; "
                + "build it with `make module`")
        }
        try Self.checkPortIsFree(host: host, port: port, database: name)
        // redis-server runs in the database's own directory, so a relative path must be made absolute here.
        let absoluteModule = URL(fileURLWithPath: module).standardizedFileURL.path
        return DatabaseLaunchPlan(redisServer: server, modulePath: absoluteModule)
    }

    /// Checks that `redis-server` could listen on `host:port`.
    static func checkPortIsFree(host: String, port: Int, database: String) throws(ExperimentError) {
        do throws(SocketError) {
            try Ports.checkBindable(host: host, port: port)
        } catch {
            switch error.code {
            case EADDRINUSE:
                throw ExperimentError(.portInUse,
                    "cannot start database \(database): port \(port) on \(host) is already in use by another "
                    + "process; choose another port or stop what listens there")
            case EACCES:
                throw ExperimentError(.portInUse,
                    "cannot start database \(database): not allowed to listen on port \(port) (ports below 1024 need privileges)")
            default:
                throw ExperimentError(.unknownInterface,
                    "cannot start database \(database): \(error)")
            }
        }
    }

    /// The `redis-server` configuration for this database: bound to ``host`` only, no
    /// daemonising, log to standard output (the node's `.out` file), persistence as declared,
    /// and TandemAI loaded with its thread count.
    func configuration(modulePath: String) -> String {
        var lines = [
            "# Written by TandemExperiment for database \(name); regenerated at every start.",
            "port \(port)",
            "bind \(host)",
            // Bound to one interface on purpose; with a non-loopback interface clients come
            // from other hosts, which protected mode would refuse.
            "protected-mode no",
            "daemonize no",
            "dir \(Self.quoted(directory.path))",
            "logfile \"\"",
            "loglevel notice",
            "dbfilename \(Self.quoted(nodeName + ".rdb"))",
            "appendfilename \(Self.quoted(nodeName + ".aof"))",
        ]
        switch persistence {
        case .none:
            lines += ["save \"\"", "appendonly no"]
        case .snapshots(let seconds, let changes):
            lines += ["save \(seconds) \(changes)", "appendonly no"]
        case .appendOnly:
            lines += ["save \"\"", "appendonly yes", "appendfsync everysec"]
        }
        let moduleWords = ["THREADS_PER_QUEUE", String(threadsPerQueue)] + moduleArguments
        lines.append("loadmodule " + ([modulePath] + moduleWords).map(Self.quoted).joined(separator: " "))
        return lines.joined(separator: "\n") + "\n"
    }

    /// A Redis configuration string literal: double quotes, with `\` and `"` escaped.
    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// Finding a program the way a shell does.
enum ExecutableLookup {
    /// `name` itself when it contains a `/` (relative to `directory` if given), else the first
    /// executable `<dir>/<name>` along `path` (the driver's `PATH` when `nil`).
    static func find(_ name: String, path: String?, relativeTo directory: URL? = nil) -> String? {
        let files = FileManager.default
        if name.contains("/") {
            let candidate = name.hasPrefix("/") || directory == nil
                ? name : directory!.appendingPathComponent(name).path
            return files.isExecutableFile(atPath: candidate) ? candidate : nil
        }
        let search = path ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in search.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(folder)/\(name)"
            var isDirectory: ObjCBool = false
            if files.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               files.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }
}
