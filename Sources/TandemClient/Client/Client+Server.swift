import RESP

extension Client {
    /// Deletes every key of the database (`FLUSHDB`).
    ///
    /// - Parameter address: the server to flush: the connected one, or in a cluster one of
    ///   the masters. `nil`: the connected server; in a cluster every master.
    public func flushDB(address: ServerAddress? = nil) throws(ClientError) {
        for route in routes(address, everyShard: true) {
            try expectOK(try call(Command("FLUSHDB"), options: .slowCommand, route: route), "FLUSHDB")
        }
    }

    /// The configuration parameters matching `pattern` (`CONFIG GET pattern`), by name.
    ///
    /// - Parameter address: the server to ask; `nil`: the connected server (in a cluster,
    ///   any master).
    public func configGet(_ pattern: String, address: ServerAddress? = nil) throws(ClientError) -> [String: String] {
        let reply = try call(Command("CONFIG", "GET", pattern), route: routes(address, everyShard: false)[0])
        guard let elements = reply.array, elements.count % 2 == 0 else { throw .unexpectedReply(reply, command: "CONFIG GET") }
        var result: [String: String] = [:]
        for index in stride(from: 0, to: elements.count, by: 2) {
            guard let name = elements[index].string, let value = elements[index + 1].string else {
                throw .unexpectedReply(reply, command: "CONFIG GET")
            }
            result[name] = value
        }
        return result
    }

    /// Sets a configuration parameter (`CONFIG SET parameter value`).
    ///
    /// - Parameter address: the server to configure; `nil`: the connected server (in a
    ///   cluster, every master).
    public func configSet(_ parameter: String, _ value: String, address: ServerAddress? = nil) throws(ClientError) {
        for route in routes(address, everyShard: true) {
            try expectOK(try call(Command("CONFIG", "SET", parameter, value), route: route), "CONFIG SET")
        }
    }

    /// Writes the database to disk and waits until done (`SAVE`).
    ///
    /// - Parameter address: the server that saves; `nil`: the connected server (in a
    ///   cluster, every master).
    public func save(address: ServerAddress? = nil) throws(ClientError) {
        for route in routes(address, everyShard: true) {
            try expectOK(try call(Command("SAVE"), options: .slowCommand, route: route), "SAVE")
        }
    }

    /// The server's `INFO EVERYTHING`, as sections (`Server`, `Memory`, `Keyspace`, …) of
    /// `key: value` entries.
    ///
    /// - Parameter address: the server to ask; `nil`: the connected server (in a cluster,
    ///   any master).
    public func info(address: ServerAddress? = nil) throws(ClientError) -> [String: [String: String]] {
        let reply = try call(Command("INFO", "EVERYTHING"), route: routes(address, everyShard: false)[0])
        guard let text = reply.string else { throw .unexpectedReply(reply, command: "INFO") }
        var sections: [String: [String: String]] = [:]
        var current = ""
        for line in text.split(separator: "\r\n") where !line.isEmpty {
            if line.hasPrefix("#") {
                current = String(line.dropFirst(2))
                sections[current, default: [:]] = [:]
            } else if let colon = line.firstIndex(of: ":") {
                sections[current, default: [:]][String(line[..<colon])] = String(line[line.index(after: colon)...])
            }
        }
        return sections
    }

    /// The cluster state a master reports (`CLUSTER INFO`): `cluster_state`,
    /// `cluster_slots_assigned`, `cluster_known_nodes`, …
    ///
    /// - Parameter address: the master to ask; `nil`: any master.
    /// - Throws: ``ClientError/Code/invalidArgument`` for a standalone database ("Cannot run
    ///   on non-cluster environment", as SmartRedis; nothing is sent).
    public func clusterInfo(address: ServerAddress? = nil) throws(ClientError) -> [String: String] {
        guard isCluster else { throw .invalidArgument("Cannot run on non-cluster environment: the database at \(self.address) is not a Redis Cluster.") }
        let reply = try call(Command("CLUSTER", "INFO"), route: routes(address, everyShard: false)[0])
        guard let text = reply.string else { throw .unexpectedReply(reply, command: "CLUSTER INFO") }
        var result: [String: String] = [:]
        for line in text.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            result[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        return result
    }

    /// Run statistics of a model (`AI.INFO key`), with every value as text: `key`, `type`,
    /// `backend`, `device`, `tag`, `duration` (µs), `samples`, `calls`, `errors`. The key is
    /// used verbatim, without prefixes. In a cluster the statistics are those of the copy
    /// on the shard at `address` (`{P}.key`; `nil`: the lowest-slot shard), with `{P}.`
    /// removed from the values as SmartRedis shows them.
    ///
    /// - Parameter resetStatistics: reset the statistics instead (`AI.INFO key RESETSTAT`);
    ///   returns an empty dictionary then (SmartRedis fails after the reset succeeded).
    public func aiInfo(_ key: String, resetStatistics: Bool = false, address: ServerAddress? = nil) throws(ClientError) -> [String: String] {
        var command = Command(arguments: [Array("AI.INFO".utf8), copyKey(of: key, at: address)])
        if resetStatistics { command.append("RESETSTAT") }
        let route = routes(address, everyShard: false)[0]
        let reply = try call(command, key: key, route: isCluster && address == nil ? .eachKey : route)
        if resetStatistics {
            try expectOK(reply, "AI.INFO RESETSTAT")
            return [:]
        }
        guard let elements = reply.array, elements.count % 2 == 0 else { throw .unexpectedReply(reply, command: "AI.INFO") }
        var result: [String: String] = [:]
        for index in stride(from: 0, to: elements.count, by: 2) {
            guard let name = elements[index].string else { throw .unexpectedReply(reply, command: "AI.INFO") }
            switch elements[index + 1] {
            case .bulkString(let bytes): result[name] = String(decoding: isCluster ? NodePrefix.strip(bytes) : bytes, as: UTF8.self)
            case .simpleString(let text): result[name] = text
            case .integer(let value): result[name] = String(value)
            default: throw ClientError(.protocolViolation, "The AI.INFO field \(name) has an unexpected type.")
            }
        }
        return result
    }

    /// Where an address-targeted command goes: the given server; for `nil` the connected
    /// server, or in a cluster every master (`everyShard`) or any one.
    private func routes(_ address: ServerAddress?, everyShard: Bool) -> [Route] {
        if let address { return [.address(address)] }
        guard isCluster else { return [.address(self.address)] }
        return everyShard ? shardAddresses.map { .address($0) } : [.anyShard]
    }
}
