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
        try checkAccessRule()
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

    /// Refuses an open database on a network, and passwords Redis cannot take.
    func checkAccessRule() throws(ExperimentError) {
        if let password {
            guard !password.isEmpty else {
                throw ExperimentError(.invalidDeclaration, "the password of database \(name) is empty")
            }
            guard !password.contains(where: { $0.isNewline || $0 == "\0" }) else {
                throw ExperimentError(.invalidDeclaration,
                    "the password of database \(name) holds a line break or NUL; a password is one line")
            }
        } else if !isLoopback && !allowsUnauthenticatedAccess {
            throw ExperimentError(.invalidDeclaration,
                "refusing to serve database \(name) on \(host) (interface \(interface)) without a password: anyone who "
                + "reaches that network could read and change its data. Give it a password (tandem start --password-file FILE; "
                + "Orchestrator.password), bind loopback (--interface lo), or say it is meant "
                + "(tandem start --no-password; Orchestrator.allowsUnauthenticatedAccess = true)")
        }
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
    /// the password if one is set, and TandemAI loaded with its thread count.
    func configuration(modulePath: String) -> String {
        var lines = [
            "# Written by TandemExperiment for database \(name); regenerated at every start.",
            "port \(port)",
            "bind \(host)",
            // Protected mode refuses clients from other hosts while there is no password: it
            // stays on unless an open database on a network was asked for explicitly.
            "protected-mode \(password == nil && !isLoopback ? "no" : "yes")",
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
        if let password { lines.append("requirepass \(Self.quoted(password))") }
        let moduleWords = ["THREADS_PER_QUEUE", String(threadsPerQueue)] + moduleArguments
        lines.append("loadmodule " + ([modulePath] + moduleWords).map(Self.quoted).joined(separator: " "))
        return lines.joined(separator: "\n") + "\n"
    }

    /// A Redis configuration string literal: double quotes, with `\` and `"` escaped.
    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
