import Dispatch
import RESP
import Synchronization
import TandemRedis

/// Sends every command of a ``Client`` where it belongs: to the one server of a standalone
/// database, or to the shard of a Redis Cluster that owns its key.
///
/// In a cluster it keeps the slot map (`CLUSTER SLOTS`) and one connection per node. Commands
/// of one call that belong to different shards go as one pipeline per shard, the pipelines
/// in parallel; the replies come back in the original order. Unlike SmartRedis, which reads
/// the map once and fails on any redirection, it follows `ASK`, and on `MOVED`,
/// `CLUSTERDOWN`, `TRYAGAIN` or a connection failure (a master that died and whose replica
/// took over) it reads the map again and re-sends what did not run, within the command
/// retry budget (`SR_CMD_TIMEOUT`, `SR_CMD_INTERVAL`).
final class ClusterRouter: Sendable {
    let configuration: ClientConfiguration
    /// The address the client was configured with and connected to first.
    let seed: ServerAddress
    /// Whether the database is a cluster (else there is only the seed).
    let isCluster: Bool
    private let state: Mutex<State>

    private struct State {
        var map: SlotMap?
        var links: [ServerAddress: NodeLink]
        /// Where "any shard" commands go: the node that answered last.
        var lastUsed: ServerAddress
        /// Masters whose replicas did not all acknowledge a `WAIT`: not asked again until
        /// the slot map is read again.
        var withoutReplicas: Set<ServerAddress> = []
    }

    private init(configuration: ClientConfiguration, seed: NodeLink, map: SlotMap?) {
        self.configuration = configuration
        self.seed = seed.address
        isCluster = map != nil
        let lastUsed = map.map { map in map.masters.contains(seed.address) ? seed.address : map.shards[0].address } ?? seed.address
        state = Mutex(State(map: map, links: [seed.address: seed], lastUsed: lastUsed))
    }

    /// Connects to `seed` under the connection policy: `PING` for a standalone
    /// configuration, `CLUSTER SLOTS` for a cluster one (a server with cluster support
    /// disabled is then used standalone).
    static func connect(configuration: ClientConfiguration, seed address: ServerAddress) throws(ClientError) -> ClusterRouter {
        let link = NodeLink(address: address, configuration: configuration)
        switch configuration.kind {
        case .standalone:
            let reply = try link.session.withLock { session throws(ClientError) in try session.connect(handshake: Command("PING")) }
            if case .error(let text) = reply, text.hasPrefix("NOAUTH") { throw passwordNeeded(at: address, reply: text) }
            guard reply == .simpleString("PONG") else {
                throw ClientError(.protocolViolation, "\(address) answered PING with \(reply.summary); is it a Redis server?")
            }
            return ClusterRouter(configuration: configuration, seed: link, map: nil)
        case .clustered:
            if configuration.addresses.count > 1 { return try connectToAnyNode(configuration: configuration, first: link) }
            let reply = try link.session.withLock { session throws(ClientError) in try session.connect(handshake: Command("CLUSTER", "SLOTS")) }
            return try connected(link, reply: reply, configuration: configuration)
        }
    }

    /// The router for the node that answered `CLUSTER SLOTS` with `reply`.
    private static func connected(_ link: NodeLink, reply: RESPValue, configuration: ClientConfiguration) throws(ClientError) -> ClusterRouter {
        if case .error(let text) = reply {
            if text.contains("cluster support disabled") { return ClusterRouter(configuration: configuration, seed: link, map: nil) }
            if text.hasPrefix("NOAUTH") { throw passwordNeeded(at: link.address, reply: text) }
            throw ClientError.fromServer(text, command: "CLUSTER SLOTS")
        }
        if case .unix = link.address {
            throw ClientError(.invalidArgument, "Unix Domain Socket is not supported with clustered Redis (\(link.address)): give the nodes' TCP addresses.")
        }
        return ClusterRouter(configuration: configuration, seed: link, map: try SlotMap(reply: reply, seedHost: host(of: link.address)))
    }

    /// Cluster mode with several addresses: every attempt of the connection policy asks
    /// each address in turn, starting with `first`, so that one dead node among them (a
    /// master whose replica took over) does not keep the client waiting.
    private static func connectToAnyNode(configuration: ClientConfiguration, first: NodeLink) throws(ClientError) -> ClusterRouter {
        let links = [first] + configuration.addresses.filter { $0 != first.address }.map { NodeLink(address: $0, configuration: configuration) }
        let policy = configuration.connectionRetry
        var failures: [String] = []
        for attempt in 1...policy.attempts {
            failures = []
            for link in links {
                let result = try link.session.withLock { session throws(ClientError) in
                    try session.attempt([Command("CLUSTER", "SLOTS")], options: .normal)
                }
                switch result {
                case .success(let replies): return try connected(link, reply: replies[0], configuration: configuration)
                case .failure(let error): failures.append("\(link.address): \(error)")
                }
            }
            if attempt < policy.attempts { sleep(milliseconds: policy.intervalMilliseconds) }
        }
        throw ClientError(.connection, """
            Unable to connect to backend database: none of \(links.map(\.address.description).joined(separator: ", ")) answered \
            after \(policy.attempts) attempts over \(Session.seconds(policy.timeoutMilliseconds)) (\(failures.joined(separator: "; "))). \
            Check that the cluster is running and that SSDB names its nodes; SR_CONN_TIMEOUT and SR_CONN_INTERVAL set how long to keep trying.
            """)
    }

    /// The database asks for a password the configuration does not have.
    static func passwordNeeded(at address: ServerAddress, reply: String) -> ClientError {
        ClientError(.connection, """
            The database at \(address) requires a password (\(reply)). Give it to the client: set \
            TANDEM_DB_PASSWORD, or ClientConfiguration.password.
            """, serverReply: reply)
    }

    /// The current slot map (`nil` for a standalone database).
    var slotMap: SlotMap? { state.withLock { $0.map } }

    // MARK: - Execution

    /// Runs `commands` where `route` says and returns every reply in order, error replies
    /// included.
    ///
    /// - Throws: ``ClientError/Code/timeout`` when the retry budget ran out on I/O
    ///   failures, ``ClientError/Code/invalidArgument`` for an address that is not a server
    ///   of the database.
    func execute(_ commands: [Command], options: ExecutionOptions, route: Route) throws(ClientError) -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        guard isCluster else {
            if case .address(let address) = route, address != seed {
                throw .invalidArgument("The provided address does not match the address used to initialize the non-cluster client connection. Received: \(address), connected to: \(seed)")
            }
            let link = state.withLock { $0.links[seed]! }
            return try link.session.withLock { session throws(ClientError) in try session.execute(commands, options: options) }
        }
        if case .address(let address) = route, slotMap?.masters.contains(address) != true {
            // A replica that took over since the map was read is a master too.
            refreshMap()
        }
        if case .address(let address) = route, slotMap?.masters.contains(address) != true {
            let known = slotMap?.masters.map(\.description).joined(separator: ", ") ?? ""
            throw .invalidArgument("Redis has failed to find database \(address): it is not one of the cluster's masters (\(known)).")
        }
        return try executeInCluster(commands, options: options, route: route)
    }

    /// The cluster loop: send what is pending to its shards, keep the replies that count,
    /// follow redirections, refresh the map and pause as the failures require.
    private func executeInCluster(_ commands: [Command], options: ExecutionOptions, route: Route) throws(ClientError) -> [RESPValue] {
        let policy = configuration.commandRetry
        var replies = [RESPValue?](repeating: nil, count: commands.count)
        var pending = Array(commands.indices)
        var asking: [Int: ServerAddress] = [:]
        var moved: [Int: ServerAddress] = [:]
        var lastFailure: (address: ServerAddress, error: SocketError)?
        for attempt in 1...policy.attempts {
            let groups = try group(pending, commands, route: route, redirected: asking.merging(moved) { ask, _ in ask })
            let outcomes = run(groups, commands, asking: asking, options: options)
            var retry: [Int] = []
            var refresh = false, pause = false
            for (group, outcome) in zip(groups, outcomes) {
                switch outcome {
                case .fatal(let error):
                    throw error
                case .failure(let error):
                    if options.slow && error.isTimeout {
                        throw ClientError(.timeout, """
                            \(Session.describe(group.indices.map { commands[$0] })) got no reply from \(group.address) within \
                            \(Session.seconds(policy.timeoutMilliseconds)) (SR_CMD_TIMEOUT); it was not re-sent. Raise SR_CMD_TIMEOUT for longer model runs.
                            """)
                    }
                    lastFailure = (group.address, error)
                    for index in group.indices { replies[index] = nil; asking[index] = nil; moved[index] = nil }
                    retry += group.indices
                    refresh = true
                    pause = true
                case .replies(let answers):
                    for (index, reply) in zip(group.indices, answers) {
                        replies[index] = reply
                        moved[index] = nil
                        guard case .error(let text) = reply else { asking[index] = nil; continue }
                        if text.hasPrefix("MOVED ") {
                            asking[index] = nil
                            moved[index] = Self.redirectTarget(text, seedHost: Self.host(of: seed))
                            retry.append(index)
                            refresh = true
                        } else if text.hasPrefix("ASK "), let target = Self.redirectTarget(text, seedHost: Self.host(of: seed)) {
                            asking[index] = target
                            retry.append(index)
                        } else if text.hasPrefix("TRYAGAIN") || text.hasPrefix("CLUSTERDOWN") {
                            asking[index] = nil
                            retry.append(index)
                            refresh = true
                            pause = true
                        } else {
                            asking[index] = nil
                        }
                    }
                    if case .anyShard = route { state.withLock { $0.lastUsed = group.address } }
                }
            }
            pending = retry.sorted()
            if pending.isEmpty || attempt == policy.attempts { break }
            if refresh { refreshMap() }
            if pause { sleep(milliseconds: policy.intervalMilliseconds) }
        }
        if let missing = pending.first(where: { replies[$0] == nil }) {
            let failure = lastFailure.map { "last failure on \($0.address): \($0.error)" } ?? "no reply"
            throw ClientError(.timeout, """
                Redis IO error when executing \(commands[missing].name) on the cluster: gave up after \(policy.attempts) attempts over \
                \(Session.seconds(policy.timeoutMilliseconds)) (SR_CMD_TIMEOUT, SR_CMD_INTERVAL); \(failure). Check that the \
                shard is running, or that a replica took over.
                """)
        }
        return replies.map { $0! }
    }

    /// Pending commands grouped by the node they go to, in order of first appearance.
    private func group(_ pending: [Int], _ commands: [Command], route: Route,
                       redirected: [Int: ServerAddress]) throws(ClientError) -> [(address: ServerAddress, indices: [Int])] {
        let (map, lastUsed) = state.withLock { ($0.map!, $0.lastUsed) }
        var groups: [(address: ServerAddress, indices: [Int])] = []
        var position: [ServerAddress: Int] = [:]
        for index in pending {
            let target: ServerAddress
            if let redirection = redirected[index] {
                target = redirection
            } else {
                switch route {
                case .address(let address): target = address
                case .anyShard: target = lastUsed
                case .eachKey:
                    let arguments = commands[index].arguments
                    if arguments.count > 1 {
                        // A slot no node serves (a cluster being set up) goes to any node,
                        // which answers CLUSTERDOWN: retried like the rest.
                        target = map.shard(forKey: arguments[1])?.address ?? lastUsed
                    } else {
                        target = lastUsed
                    }
                }
            }
            if let at = position[target] {
                groups[at].indices.append(index)
            } else {
                position[target] = groups.count
                groups.append((target, [index]))
            }
        }
        return groups
    }

    private enum Outcome: Sendable {
        case replies([RESPValue])
        case failure(SocketError)
        case fatal(ClientError)
    }

    /// Sends every group as one pipeline to its node, the groups in parallel (up to
    /// `SR_THREAD_COUNT` at a time). A command redirected with `ASK` goes after an
    /// `ASKING`, and a pipeline to a master with replicas ends with `WAIT` when
    /// ``ClientConfiguration/replicaAcknowledgements`` asks for it; their replies are dropped.
    private func run(_ groups: [(address: ServerAddress, indices: [Int])], _ commands: [Command],
                     asking: [Int: ServerAddress], options: ExecutionOptions) -> [Outcome] {
        let work: [(link: NodeLink, batch: [Command], asked: [Bool], waits: Bool)] = groups.map { group in
            var batch: [Command] = []
            var asked: [Bool] = []
            for index in group.indices {
                let isAsked = asking[index] != nil
                if isAsked { batch.append(Command("ASKING")) }
                batch.append(commands[index])
                asked.append(isAsked)
            }
            let wait = waitCommand(for: group.address)
            if let wait { batch.append(wait) }
            return (link(group.address), batch, asked, wait != nil)
        }
        let wanted = configuration.replicaAcknowledgements
        let send: @Sendable (NodeLink, [Command], [Bool], Bool) -> Outcome = { link, batch, asked, waits in
            do throws(ClientError) {
                let result = try link.session.withLock { session throws(ClientError) in try session.attempt(batch, options: options) }
                switch result {
                case .failure(let error): return .failure(error)
                case .success(let all):
                    if waits, let acknowledged = all.last?.integer, acknowledged < wanted {
                        self.state.withLock { _ = $0.withoutReplicas.insert(link.address) }
                    }
                    guard all.count != asked.count else { return .replies(all) }
                    var replies: [RESPValue] = []
                    var cursor = 0
                    for wasAsked in asked {
                        if wasAsked { cursor += 1 }
                        replies.append(all[cursor])
                        cursor += 1
                    }
                    return .replies(replies)
                }
            } catch {
                return .fatal(error)
            }
        }
        if work.count == 1 { return [send(work[0].link, work[0].batch, work[0].asked, work[0].waits)] }
        let results = Mutex<[Outcome?]>(Array(repeating: nil, count: work.count))
        // At most SR_THREAD_COUNT pipelines at once; worker w takes groups w, w + workers, …
        let workers = min(work.count, max(1, configuration.threadCount))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: work.count, by: workers) {
                let outcome = send(work[index].link, work[index].batch, work[index].asked, work[index].waits)
                results.withLock { $0[index] = outcome }
            }
        }
        return results.withLock { $0.map { $0! } }
    }

    /// `WAIT n timeout` for a pipeline to `address`, when writes must reach `n` replicas
    /// before a call returns. The timeout stays below the socket timeout, so a slow replica
    /// never looks like a dead master. When fewer replicas acknowledge (a master whose
    /// replica died or took over), the call goes on and that master is not asked to wait
    /// again until the slot map is read again (`CLUSTER SLOTS` alone cannot tell: it omits
    /// replicas that have not replicated anything yet).
    private func waitCommand(for address: ServerAddress) -> Command? {
        let wanted = configuration.replicaAcknowledgements
        guard wanted > 0, !state.withLock({ $0.withoutReplicas.contains(address) }) else { return nil }
        return Command("WAIT", wanted, max(1, configuration.socketTimeoutMilliseconds / 2))
    }

    /// The connection to `address`, made on first use.
    private func link(_ address: ServerAddress) -> NodeLink {
        state.withLock { state in
            if let link = state.links[address] { return link }
            let link = NodeLink(address: address, configuration: configuration)
            state.links[address] = link
            return link
        }
    }

    // MARK: - Slot map

    /// Reads the slot map again from the first node that answers: the nodes of the current
    /// map (masters, then replicas), then the configured addresses. Keeps the old map when
    /// none answers.
    func refreshMap() {
        let candidates = state.withLock { state in
            var seen = Set<ServerAddress>()
            return ((state.map?.nodes ?? []) + configuration.addresses).filter { seen.insert($0).inserted }
        }
        for address in candidates {
            let link = link(address)
            guard let result = try? link.session.withLock({ session throws(ClientError) in
                try session.attempt([Command("CLUSTER", "SLOTS")], options: .normal)
            }), case .success(let replies) = result,
                  let map = try? SlotMap(reply: replies[0], seedHost: Self.host(of: address)) else { continue }
            state.withLock { state in
                state.map = map
                state.withoutReplicas = []
                if !map.masters.contains(state.lastUsed) { state.lastUsed = map.shards[0].address }
            }
            return
        }
    }

    /// The node named by `MOVED slot host:port` / `ASK slot host:port`.
    static func redirectTarget(_ text: String, seedHost: String) -> ServerAddress? {
        let words = text.split(separator: " ")
        guard words.count >= 3, let colon = words[2].lastIndex(of: ":"), let port = Int(words[2][words[2].index(after: colon)...]) else { return nil }
        let host = String(words[2][..<colon])
        return .tcp(host: host.isEmpty ? seedHost : host, port: port)
    }

    private static func host(of address: ServerAddress) -> String {
        if case .tcp(let host, _) = address { return host }
        return "127.0.0.1"
    }
}
