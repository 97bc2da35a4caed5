import Foundation

/// A database beside a model: one `redis-server` with TandemAI started on the model's node
/// before the model and ended after it, reached over a Unix socket or loopback TCP (SmartSim's
/// `colocate_db_uds` and `colocate_db_tcp`).
///
/// The model runs with `SSDB` set to the colocated database (`unix://<socket>` or
/// `127.0.0.1:<port>`) and `SR_DB_TYPE=Standalone`, in place of any shared database's; its
/// client stores models and tensors there. Works with every launcher: the model's step runs
/// a small wrapper (`<model>.colocated.sh` in its directory) that starts the database, waits
/// until it answers with TandemAI loaded, runs the model, and stops the database when the
/// model ends or is stopped. The database's log is `<model>.db.out`.
///
/// ```swift
/// var simulation = experiment.createModel("sim", runSettings: settings)
/// simulation.colocatedDatabase = ColocatedDatabase(.unixSocket)
/// ```
///
/// One database per task: a model with a colocated database runs one task per node.
public struct ColocatedDatabase: Sendable, Hashable {
    /// How the model reaches its database.
    public enum Endpoint: Sendable, Hashable {
        /// A Unix socket, `<model directory>/<model>.sock` (no TCP port is opened).
        case unixSocket
        /// TCP on 127.0.0.1 at this port.
        case loopback(port: Int)
    }

    /// How the model reaches the database.
    public var endpoint: Endpoint
    /// TandemAI worker threads per device queue.
    public var threadsPerQueue: Int
    /// More TandemAI load-time arguments (`KEY VALUE` words).
    public var moduleArguments: [String] = []
    /// The Unix socket's permissions (`unixsocketperm`, octal as Redis reads it): owner only by default.
    public var socketPermissions: String = "700"
    /// How long the wrapper waits for the database before giving up (the model then does not run).
    public var readinessTimeout: Duration = .seconds(30)
    /// The `redis-server` to run: a path, or `nil` for `REDIS_SERVER`, then `PATH`.
    public var redisServer: String?
    /// The module file: a path, or `nil` for `TANDEM_MODULE_PATH`.
    public var modulePath: String?

    /// Creates a colocated database reached through `endpoint`.
    public init(_ endpoint: Endpoint, threadsPerQueue: Int = 1) {
        self.endpoint = endpoint
        self.threadsPerQueue = threadsPerQueue
    }
}
