/// The environment variables through which a launcher tells a SmartRedis-compatible client
/// where its database is and which keys are its own, named once for the launcher
/// (TandemExperiment) and the client (TandemClient). A database with an identifier other
/// than the default has its variables suffixed: `SSDB_<id>`, `SR_DB_TYPE_<id>`.
public enum ClientVariables {
    /// The database's addresses, comma-separated: `host:port`, `tcp://host:port`, `unix://path`.
    public static let address = "SSDB"
    /// `Clustered` for a Redis Cluster, `Standalone` for one server.
    public static let databaseType = "SR_DB_TYPE"
    /// The database's password, sent with `AUTH` (a Tandem addition; SmartRedis has none).
    public static let password = "TANDEM_DB_PASSWORD"
    /// Replicas of a cluster shard that must hold every write before a call returns (a Tandem
    /// addition: with it, a write survives its master's failure).
    public static let waitReplicas = "TANDEM_WAIT_REPLICAS"
    /// The prefix of the keys this process writes (its entity's name).
    public static let keyOut = "SSKEYOUT"
    /// The prefixes this process may read, comma-separated; the first is its data source.
    public static let keyIn = "SSKEYIN"

    /// `variable` for the database `suffix`: itself when `suffix` is empty, else `variable_suffix`.
    public static func named(_ variable: String, suffix: String) -> String {
        suffix.isEmpty ? variable : "\(variable)_\(suffix)"
    }
}
