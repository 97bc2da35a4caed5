import RESP

/// One entry of a cluster's slot map: a contiguous range of hash slots and the master that
/// serves it, as `CLUSTER SLOTS` reports it.
///
/// A master that serves several ranges appears once per range, as in SmartRedis: every
/// entry gets its own node prefix, and models are stored once per entry.
public struct ClusterShard: Sendable, Hashable {
    /// The slots of this entry.
    public let slots: ClosedRange<Int>
    /// The master, as the cluster reports it (`ip:port`); address-targeted calls
    /// (``Client/flushDB(address:)`` …) must name it exactly so.
    public let address: ServerAddress
    /// The master's cluster node id.
    public let nodeID: String
    /// Its replicas.
    public let replicas: [ServerAddress]
    /// SmartRedis's node prefix `P` of this entry: `CRC16(P)` is the first slot, so a key
    /// `{P}.name` lives here.
    public let prefix: [UInt8]

    /// `{P}.key`: the copy of `key` that lives on this entry's shard.
    public func prefixedKey(_ key: [UInt8]) -> [UInt8] { NodePrefix.key(key, prefix: prefix) }
}

/// The slot map of a Redis Cluster, parsed from `CLUSTER SLOTS` and sorted by slot, with
/// lookups by slot and key.
struct SlotMap: Sendable {
    /// The entries, sorted by first slot.
    let shards: [ClusterShard]

    /// Parses a `CLUSTER SLOTS` reply. An empty host (a node that does not know its own
    /// address) is read as `seedHost`.
    ///
    /// - Throws: ``ClientError/Code/protocolViolation`` for a reply of another shape,
    ///   ``ClientError/Code/server`` for an empty map (no slot assigned yet).
    init(reply: RESPValue, seedHost: String) throws(ClientError) {
        guard let ranges = reply.array else { throw .unexpectedReply(reply, command: "CLUSTER SLOTS") }
        var shards: [ClusterShard] = []
        for range in ranges {
            guard let fields = range.array, fields.count >= 3,
                  let low = fields[0].integer, let high = fields[1].integer,
                  low >= 0, low <= high, high < Int64(HashSlot.count),
                  let master = Self.node(fields[2], seedHost: seedHost) else {
                throw .unexpectedReply(reply, command: "CLUSTER SLOTS")
            }
            let replicas = fields.dropFirst(3).compactMap { Self.node($0, seedHost: seedHost)?.address }
            guard let prefix = NodePrefix.forSlot(Int(low)) else {
                throw ClientError(.protocolViolation, "no node prefix exists for slot \(low)")
            }
            shards.append(ClusterShard(slots: Int(low)...Int(high), address: master.address, nodeID: master.id,
                                       replicas: replicas, prefix: prefix))
        }
        guard !shards.isEmpty else {
            throw ClientError(.server, "The cluster has no slot assigned to any node (CLUSTER SLOTS is empty): it is not set up yet.")
        }
        self.shards = shards.sorted { $0.slots.lowerBound < $1.slots.lowerBound }
    }

    /// The entry serving `slot`, or `nil` when no node serves it.
    func shard(forSlot slot: Int) -> ClusterShard? {
        var low = 0, high = shards.count - 1
        while low <= high {
            let middle = (low + high) / 2
            let range = shards[middle].slots
            if slot < range.lowerBound { high = middle - 1 } else if slot > range.upperBound { low = middle + 1 } else { return shards[middle] }
        }
        return nil
    }

    /// The entry serving `key`.
    func shard(forKey key: [UInt8]) -> ClusterShard? { shard(forSlot: HashSlot.of(key)) }

    /// Every master, once each, in slot order.
    var masters: [ServerAddress] {
        var seen = Set<ServerAddress>()
        return shards.map(\.address).filter { seen.insert($0).inserted }
    }

    /// Every node the map names: masters, then replicas.
    var nodes: [ServerAddress] {
        var seen = Set<ServerAddress>()
        return (masters + shards.flatMap(\.replicas)).filter { seen.insert($0).inserted }
    }

    /// The first entry (lowest slots) whose master is `address`.
    func firstShard(at address: ServerAddress) -> ClusterShard? {
        shards.first { $0.address == address }
    }

    /// `[ip, port, id, …]` of one node.
    private static func node(_ value: RESPValue, seedHost: String) -> (address: ServerAddress, id: String)? {
        guard let fields = value.array, fields.count >= 2, let host = fields[0].string,
              let port = fields[1].integer, (1...65535).contains(port) else { return nil }
        let id = fields.count > 2 ? fields[2].string ?? "" : ""
        let usable = host.isEmpty || host == "?" ? seedHost : host
        return (.tcp(host: usable, port: Int(port)), id)
    }
}
