import TandemRedis

extension Model {
    /// The variables the experiment sets for this model so its SmartRedis-compatible client
    /// finds the databases and uses the right key prefixes — exactly as SmartSim sets them:
    ///
    /// | variable | value | when |
    /// |---|---|---|
    /// | `SSDB` (`SSDB_<id>`) | the database's `host:port`, every master's for a cluster, comma-separated | per running database; suffixed unless its identifier is `orchestrator` |
    /// | `SR_DB_TYPE` (`SR_DB_TYPE_<id>`) | `Clustered` for a cluster, else `Standalone` | alongside each address |
    /// | `TANDEM_DB_PASSWORD` (`TANDEM_DB_PASSWORD_<id>`) | the database's password | the database has one (a Tandem addition: TandemClient sends it with `AUTH`) |
    /// | `SSKEYOUT` | the model's name | key prefixing enabled |
    /// | `SSKEYIN` | incoming entity names, comma-joined | at least one registered |
    ///
    /// `SSKEYIN` and `SSKEYOUT` are never suffixed.
    ///
    /// - Parameter databases: the databases running when the model starts.
    public func clientEnvironment(databases: [Orchestrator]) -> [String: String] {
        var variables: [String: String] = [:]
        for database in databases {
            variables[database.addressVariable] = database.clientAddresses
            variables[database.typeVariable] = database.isCluster ? "Clustered" : "Standalone"
            if let password = database.password { variables[database.passwordVariable] = password }
        }
        if isKeyPrefixingEnabled { variables[ClientVariables.keyOut] = name }
        if !incomingEntities.isEmpty { variables[ClientVariables.keyIn] = incomingEntities.joined(separator: ",") }
        return variables
    }

    /// The model's complete environment: `inherited` (without any `SSKEYIN`/`SSKEYOUT` of the
    /// driver's own, which belong to the driver), then ``RunSettings/environment``, then
    /// ``clientEnvironment(databases:)``.
    func launchEnvironment(inheriting inherited: [String: String], databases: [Orchestrator]) -> [String: String] {
        var environment = inherited
        environment[ClientVariables.keyIn] = nil
        environment[ClientVariables.keyOut] = nil
        environment.merge(runSettings.environment) { $1 }
        environment.merge(clientEnvironment(databases: databases)) { $1 }
        return environment
    }
}
