import Foundation
import Glibc

/// What runs a model with a ``ColocatedDatabase``: the database's configuration and the
/// wrapper script the model's step runs instead of the model, both written into the model's
/// directory before the launch.
///
/// The wrapper (`/bin/sh <model>.colocated.sh <program> <arguments>…`) starts `redis-server`
/// in the background, waits until `MODULE LIST` shows TandemAI, runs the program, and when
/// the program ends stops the database and exits with the program's code. Asked to stop
/// (SIGTERM, SIGINT, SIGHUP), it stops both and exits with 143. A database that ends or is not
/// ready in time fails the step with its log's last lines on standard error, and the program
/// never runs.
struct ColocatedDatabaseWrapper: Sendable {
    let model: Model
    let database: ColocatedDatabase
    let redisServer: String
    let redisCLI: String
    let modulePath: String

    /// The longest Unix socket path the kernel takes (`sun_path` holds 108 bytes with the NUL).
    static let maximumSocketPath = 107

    /// Finds `redis-server`, `redis-cli` and the module and checks the declaration, before anything starts.
    init(model: Model, database: ColocatedDatabase, environment: [String: String]) throws(ExperimentError) {
        self.model = model
        self.database = database
        let serverName = database.redisServer ?? environment["REDIS_SERVER"] ?? "redis-server"
        guard let server = ExecutableLookup.find(serverName, path: environment["PATH"]) else {
            throw ExperimentError(.redisServerNotFound,
                "cannot start the colocated database of \(model.name): redis-server \"\(serverName)\" was not found; "
                + "install Redis 7 (apt-get install redis-server) or set REDIS_SERVER to its path")
        }
        let besideServer = URL(fileURLWithPath: server).deletingLastPathComponent().appendingPathComponent("redis-cli").path
        guard let cli = FileManager.default.isExecutableFile(atPath: besideServer)
                ? besideServer : ExecutableLookup.find("redis-cli", path: environment["PATH"]) else {
            throw ExperimentError(.redisServerNotFound,
                "cannot start the colocated database of \(model.name): redis-cli (which comes with redis-server) was not found")
        }
        guard let module = database.modulePath ?? environment["TANDEM_MODULE_PATH"], !module.isEmpty,
              FileManager.default.isReadableFile(atPath: module) else {
            throw ExperimentError(.moduleNotFound,
                "cannot start the colocated database of \(model.name): no readable TandemAI module; set "
                + "ColocatedDatabase.modulePath or TANDEM_MODULE_PATH to libTandemAI.so (built by `make module`)")
        }
        redisServer = server
        redisCLI = cli
        modulePath = URL(fileURLWithPath: module).standardizedFileURL.path
        try validate()
    }

    private func validate() throws(ExperimentError) {
        let resources = model.runSettings.resources
        guard model.runSettings.mpmd.isEmpty else {
            throw ExperimentError(.invalidDeclaration, "\(model.name): a model with a colocated database cannot be MPMD")
        }
        let tasks = resources.tasks ?? resources.nodes ?? 1
        guard (resources.tasksPerNode ?? 1) == 1, tasks <= (resources.nodes ?? 1) else {
            throw ExperimentError(.invalidDeclaration,
                "\(model.name): a model with a colocated database runs one task per node (its database's), got "
                + "\(tasks) task(s) on \(resources.nodes ?? 1) node(s)")
        }
        guard database.threadsPerQueue >= 1 else {
            throw ExperimentError(.invalidDeclaration, "\(model.name): threadsPerQueue must be at least 1")
        }
        switch database.endpoint {
        case .unixSocket:
            guard socketPath.utf8.count <= Self.maximumSocketPath else {
                throw ExperimentError(.invalidDeclaration,
                    "\(model.name): the colocated database's socket path \(socketPath) is longer than the "
                    + "\(Self.maximumSocketPath) bytes a Unix socket path may have; use a shorter experiment directory")
            }
            guard database.socketPermissions.count == 3, database.socketPermissions.allSatisfy({ ("0"..."7").contains($0) }) else {
                throw ExperimentError(.invalidDeclaration,
                    "\(model.name): socketPermissions must be three octal digits (700), got \(database.socketPermissions)")
            }
        case .loopback(let port):
            guard (1...65535).contains(port) else {
                throw ExperimentError(.invalidDeclaration, "\(model.name): the colocated database's port must be 1…65535, got \(port)")
            }
            try Orchestrator.checkPortIsFree(host: "127.0.0.1", port: port, database: "colocated with \(model.name)")
        }
    }

    var socketPath: String { model.directory.appendingPathComponent("\(model.name).sock").path }
    var configurationFile: URL { model.directory.appendingPathComponent("\(model.name).colocated.conf") }
    var scriptFile: URL { model.directory.appendingPathComponent("\(model.name).colocated.sh") }
    var logFile: URL { model.directory.appendingPathComponent("\(model.name).db.out") }

    /// What the model's client is given as `SSDB`.
    var address: String {
        switch database.endpoint {
        case .unixSocket: "unix://\(socketPath)"
        case .loopback(let port): "127.0.0.1:\(port)"
        }
    }

    /// `redis-cli`'s options to reach the database.
    private var cliConnection: [String] {
        switch database.endpoint {
        case .unixSocket: ["-s", socketPath]
        case .loopback(let port): ["-h", "127.0.0.1", "-p", String(port)]
        }
    }

    var configuration: String {
        var lines = ["# Written by TandemExperiment for the database colocated with \(model.name).",
                     "daemonize no", "dir \(Self.quoted(model.directory.path))", "logfile \"\"", "loglevel notice",
                     "save \"\"", "appendonly no"]
        switch database.endpoint {
        case .unixSocket:
            lines += ["port 0", "unixsocket \(Self.quoted(socketPath))", "unixsocketperm \(database.socketPermissions)"]
        case .loopback(let port):
            lines += ["port \(port)", "bind 127.0.0.1"]
        }
        let words = [modulePath, "THREADS_PER_QUEUE", String(database.threadsPerQueue)] + database.moduleArguments
        lines.append("loadmodule " + words.map(Self.quoted).joined(separator: " "))
        return lines.joined(separator: "\n") + "\n"
    }

    var script: String {
        let q = SlurmOptions.shellQuoted
        let cli = ([redisCLI] + cliConnection).map(q).joined(separator: " ")
        let (seconds, attoseconds) = database.readinessTimeout.components
        let tries = max(1, (Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)) / 20)
        return """
        #!/bin/sh
        # Written by TandemExperiment: starts the database colocated with \(model.name), runs it, then ends the database.
        \(q(redisServer)) \(q(configurationFile.path)) >\(q(logFile.path)) 2>&1 &
        db=$!
        member=
        finish() {
            [ -n "$member" ] && kill -TERM "$member" 2>/dev/null
            kill -TERM "$db" 2>/dev/null
            wait
            exit 143
        }
        trap finish TERM INT HUP
        tries=0
        until \(cli) MODULE LIST 2>/dev/null | grep -qx ai; do
            if ! kill -0 "$db" 2>/dev/null; then
                echo "tandem: the database colocated with \(model.name) ended before it was ready; the end of its log:" >&2
                tail -n 8 \(q(logFile.path)) >&2
                exit 1
            fi
            tries=$((tries + 1))
            if [ "$tries" -ge \(tries) ]; then
                echo "tandem: the database colocated with \(model.name) was not ready within \(database.readinessTimeout)" >&2
                kill -TERM "$db" 2>/dev/null
                wait "$db"
                exit 1
            fi
            sleep 0.02
        done
        "$@" &
        member=$!
        wait "$member"
        code=$?
        kill -TERM "$db" 2>/dev/null
        wait "$db" 2>/dev/null
        exit "$code"

        """
    }

    /// Writes the configuration and the script into the model's directory.
    func write() throws(ExperimentError) {
        unlink(socketPath)
        try PrivateFiles.write(Data(configuration.utf8), to: configurationFile)
        try PrivateFiles.write(Data(script.utf8), to: scriptFile)
    }

    /// `step` made to run through the wrapper, with the colocated database as `SSDB`.
    func wrap(_ step: LaunchStep) -> LaunchStep {
        var wrapped = step
        wrapped.executable = "/bin/sh"
        wrapped.arguments = [scriptFile.path, step.executable] + step.arguments
        wrapped.environment["SSDB"] = address
        wrapped.environment["SR_DB_TYPE"] = "Standalone"
        wrapped.environment["TANDEM_DB_PASSWORD"] = nil
        return wrapped
    }

    private static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
