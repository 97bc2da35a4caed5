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
        try checkShape()
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
        // Ports can be checked only where the interface is, when it is on this machine.
        for node in nodes where !host.isEmpty {
            try Self.checkPortIsFree(host: host, port: node.port, database: name)
            if isCluster { try Self.checkPortIsFree(host: host, port: node.busPort, database: name) }
        }
        // redis-server runs in the database's own directory, so a relative path must be made absolute here.
        let absoluteModule = URL(fileURLWithPath: module).standardizedFileURL.path
        return DatabaseLaunchPlan(redisServer: server, modulePath: absoluteModule)
    }

    /// Refuses a shard count Redis Cluster cannot serve well and ports past 65535.
    func checkShape() throws(ExperimentError) {
        guard shards == 1 || (3...1000).contains(shards) else {
            throw ExperimentError(.invalidDeclaration, shards == 2
                ? "database \(name): 2 shards are refused (as SmartSim refuses them): a cluster of two masters cannot "
                    + "agree on a failed one; use 1 shard or 3 and more"
                : "database \(name): shards must be 1 or 3…1000, got \(shards)")
        }
        guard (0...16).contains(replicasPerShard), replicasPerShard == 0 || isCluster else {
            throw ExperimentError(.invalidDeclaration, isCluster
                ? "database \(name): replicas per shard must be 0…16, got \(replicasPerShard)"
                : "database \(name): replicas need a cluster (3 shards or more)")
        }
        let last = nodes.last!
        guard (isCluster ? last.busPort : last.port) <= 65535 else {
            throw ExperimentError(.invalidDeclaration, "database \(name): its \(nodes.count) nodes need ports \(port)…\(last.port)"
                + (isCluster ? " and cluster-bus ports \(port + 10_000)…\(last.busPort)" : "") + ", past 65535")
        }
        guard clusterNodeTimeout > .zero else {
            throw ExperimentError(.invalidDeclaration, "database \(name): the cluster node timeout must be positive")
        }
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

    /// The `redis-server` configuration of `node`: bound to ``host`` only, no daemonising, log
    /// to standard output (the node's `.out` file), persistence as declared, the password if one
    /// is set, TandemAI loaded with its thread count, and for a cluster `cluster-enabled` with
    /// full coverage required (a missing shard stops the cluster rather than losing writes).
    func configuration(of node: DatabaseNode, modulePath: String) -> String {
        var lines = [
            "# Written by TandemExperiment for database \(name); regenerated at every start.",
            "port \(node.port)",
            "bind \(host)",
            // Protected mode refuses clients from other hosts while there is no password: it
            // stays on unless an open database on a network was asked for explicitly.
            "protected-mode \(password == nil && !isLoopback ? "no" : "yes")",
            "daemonize no",
            "dir \(Self.quoted(directory.path))",
            "logfile \"\"",
            "loglevel notice",
            "dbfilename \(Self.quoted(node.name + ".rdb"))",
            "appendfilename \(Self.quoted(node.name + ".aof"))",
        ]
        if isCluster {
            let (seconds, attoseconds) = clusterNodeTimeout.components
            lines += ["cluster-enabled yes", "cluster-config-file \(Self.quoted(node.name + ".nodes.conf"))",
                      "cluster-port \(node.busPort)",
                      "cluster-node-timeout \(max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000))",
                      "cluster-require-full-coverage yes",
                      // A replica may take over however long it was cut off from its master.
                      "cluster-replica-validity-factor 0"]
            // Replicas authenticate to their masters with the same password.
            if let password { lines.append("masterauth \(Self.quoted(password))") }
        }
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
