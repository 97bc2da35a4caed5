import ArgumentParser
import TandemClient
import TandemExperiment

/// How the data commands reach the database (any node's address for a cluster): ``AddressOptions`` plus an optional data source
/// (an entity name whose prefix is added to the names read, as `SSKEYIN` would).
struct ClientOptions: ParsableArguments {
    @OptionGroup var target: AddressOptions

    @Option(help: "Read names with this entity's prefix (e.g. fd_simulation_0), as its SSKEYIN reader would.")
    var source: String?

    /// A client for the address, without retries worth waiting for: an admin wants to know now.
    ///
    /// - Parameter withSource: read through ``source``'s prefix (when one is given).
    func client(withSource: Bool = true) throws -> Client {
        let password = try target.password()
        // Any node of a cluster reaches all of it; an absent database is left to the client to report.
        let isCluster = (try? DatabaseConnection(address: target.resolved, password: password).clusterNodes()) != nil
        var configuration = ClientConfiguration(addresses: [try ServerAddress(parsing: target.resolved)],
                                                kind: isCluster ? .clustered : .standalone)
        configuration.password = password
        configuration.connectionRetry = RetryPolicy(timeoutMilliseconds: 2000, intervalMilliseconds: 200)
        configuration.commandRetry = RetryPolicy(timeoutMilliseconds: 2000, intervalMilliseconds: 200)
        configuration.socketTimeoutMilliseconds = 5000
        if withSource, let source { configuration.keyPrefixes = KeyPrefixConfiguration(inputs: [source]) }
        return try Client(configuration: configuration)
    }
}
