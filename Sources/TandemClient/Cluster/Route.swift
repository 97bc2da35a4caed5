import Synchronization
import TandemRedis

/// Where the commands of one call go.
enum Route: Sendable {
    /// Every command to the shard that owns its key (its first argument after the command
    /// name); a command without arguments to any shard. A standalone database has one
    /// server for all.
    case eachKey
    /// One shard, whichever: the one that answered last (commands without keys, such as
    /// `AI.CONFIG`).
    case anyShard
    /// The server at this address; in a cluster it must be one of the masters.
    case address(ServerAddress)
}

/// The connection to one server, used by one call at a time.
final class NodeLink: Sendable {
    let address: ServerAddress
    let session: Mutex<Session>

    init(address: ServerAddress, configuration: ClientConfiguration) {
        self.address = address
        session = Mutex(Session(address: address, configuration: configuration))
    }
}
