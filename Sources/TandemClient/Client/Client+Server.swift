import RESP

extension Client {
    /// Deletes every key of the database (`FLUSHDB`).
    ///
    /// - Parameter address: the server to flush; must be the connected one (`nil` = it).
    public func flushDB(address: ServerAddress? = nil) throws(ClientError) {
        try check(address)
        try expectOK(try call(Command("FLUSHDB"), options: .slowCommand), "FLUSHDB")
    }

    /// The configuration parameters matching `pattern` (`CONFIG GET pattern`), by name.
    public func configGet(_ pattern: String, address: ServerAddress? = nil) throws(ClientError) -> [String: String] {
        try check(address)
        let reply = try call(Command("CONFIG", "GET", pattern))
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
    public func configSet(_ parameter: String, _ value: String, address: ServerAddress? = nil) throws(ClientError) {
        try check(address)
        try expectOK(try call(Command("CONFIG", "SET", parameter, value)), "CONFIG SET")
    }

    /// Writes the database to disk and waits until done (`SAVE`).
    public func save(address: ServerAddress? = nil) throws(ClientError) {
        try check(address)
        try expectOK(try call(Command("SAVE"), options: .slowCommand), "SAVE")
    }

    /// The server's `INFO EVERYTHING`, as sections (`Server`, `Memory`, `Keyspace`, …) of
    /// `key: value` entries.
    public func info(address: ServerAddress? = nil) throws(ClientError) -> [String: [String: String]] {
        try check(address)
        let reply = try call(Command("INFO", "EVERYTHING"))
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

    /// Run statistics of a model (`AI.INFO key`), with every value as text: `key`, `type`,
    /// `backend`, `device`, `tag`, `duration` (µs), `samples`, `calls`, `errors`. The key is
    /// used verbatim, without prefixes.
    ///
    /// - Parameter resetStatistics: reset the statistics instead (`AI.INFO key RESETSTAT`);
    ///   returns an empty dictionary then (SmartRedis fails after the reset succeeded).
    public func aiInfo(_ key: String, resetStatistics: Bool = false, address: ServerAddress? = nil) throws(ClientError) -> [String: String] {
        try check(address)
        var command = Command("AI.INFO", key)
        if resetStatistics { command.append("RESETSTAT") }
        let reply = try call(command, key: key)
        if resetStatistics {
            try expectOK(reply, "AI.INFO RESETSTAT")
            return [:]
        }
        guard let elements = reply.array, elements.count % 2 == 0 else { throw .unexpectedReply(reply, command: "AI.INFO") }
        var result: [String: String] = [:]
        for index in stride(from: 0, to: elements.count, by: 2) {
            guard let name = elements[index].string else { throw .unexpectedReply(reply, command: "AI.INFO") }
            switch elements[index + 1] {
            case .bulkString(let bytes): result[name] = String(decoding: bytes, as: UTF8.self)
            case .simpleString(let text): result[name] = text
            case .integer(let value): result[name] = String(value)
            default: throw ClientError(.protocolViolation, "The AI.INFO field \(name) has an unexpected type.")
            }
        }
        return result
    }

    /// Throws unless `address` is `nil` or the connected server.
    private func check(_ address: ServerAddress?) throws(ClientError) {
        guard let address, address != self.address else { return }
        throw .invalidArgument("The provided address does not match the address used to initialize the non-cluster client connection. Received: \(address), connected to: \(self.address)")
    }
}
