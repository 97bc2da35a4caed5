import RESP

/// How ``Client/pollListLength(_:length:comparison:intervalMilliseconds:tries:)`` compares.
public enum ListLengthComparison: Sendable {
    /// Length equal to the target.
    case equal
    /// Length at least the target.
    case atLeast
    /// Length at most the target.
    case atMost
}

extension Client {
    /// Appends a reference to a dataset to aggregation list `list`: `RPUSH pfx.list pfx.{dataset}`
    /// (list key: put prefix and list switch; entry: put prefix and dataset switch).
    /// The dataset itself must be stored separately with ``putDataset(_:)``.
    ///
    /// - Returns: the list's new length.
    @discardableResult
    public func appendToList(_ list: String, dataset: Dataset) throws(ClientError) -> Int {
        try appendToList(list, datasetNamed: dataset.name)
    }

    /// Appends a reference to the dataset called `name`; see ``appendToList(_:dataset:)``.
    @discardableResult
    public func appendToList(_ list: String, datasetNamed name: String) throws(ClientError) -> Int {
        try checkListName(list)
        let p = prefixes
        let key = p.key(.list, list, .put)
        return Int(try integer(try call(Command("RPUSH", key, p.datasetKey(name, .put)), key: key), "RPUSH"))
    }

    /// The number of entries of list `list` (get prefix); 0 for a missing list.
    public func getListLength(_ list: String) throws(ClientError) -> Int {
        try checkListName(list)
        let key = prefixes.key(.list, list, .get)
        let length = try integer(try call(Command("LLEN", key), key: key), "LLEN")
        guard length >= 0 else { throw ClientError(.protocolViolation, "LLEN \(key) returned the negative length \(length).") }
        return Int(length)
    }

    /// Checks the list length up to `tries` times, sleeping `intervalMilliseconds` after each miss.
    ///
    /// - Returns: whether the length compared true with `length`.
    /// - Throws: ``ClientError/Code/invalidArgument`` for a negative `length`.
    public func pollListLength(_ list: String, length: Int, comparison: ListLengthComparison = .equal,
                               intervalMilliseconds: Int, tries: Int) throws(ClientError) -> Bool {
        guard length >= 0 else { throw .invalidArgument("A positive value for list_length must be provided (got \(length)).") }
        return try poll(intervalMilliseconds: intervalMilliseconds, tries: tries) { () throws(ClientError) in
            let current = try getListLength(list)
            switch comparison {
            case .equal: return current == length
            case .atLeast: return current >= length
            case .atMost: return current <= length
            }
        }
    }

    /// Deletes list `list` (get prefix), not the datasets it references. A missing list is not an error.
    public func deleteList(_ list: String) throws(ClientError) {
        try checkListName(list)
        let key = prefixes.key(.list, list, .get)
        try call(Command("DEL", key), key: key)
    }

    /// Every dataset the list references, in list order.
    public func getDatasetsFromList(_ list: String) throws(ClientError) -> [Dataset] {
        try getDatasetListRange(list, start: 0, end: -1)
    }

    /// The datasets referenced by entries `start` through `end` of list `list` (get prefix).
    ///
    /// Indices follow Redis: 0-based, both ends included, negative ones count from the end
    /// (-1 is the last), out-of-range ends are clamped. Sends `LRANGE`, one pipeline of
    /// `HGETALL entry.meta` (entries are used verbatim), and one pipeline of every tensor's
    /// `AI.TENSORGET`. An entry whose dataset was deleted meanwhile gives an empty dataset,
    /// as in SmartRedis.
    ///
    /// - Throws: ``ClientError/Code/protocolViolation`` for an entry that is not a dataset
    ///   key, ``ClientError/Code/keyNotFound`` for a listed tensor that is missing.
    public func getDatasetListRange(_ list: String, start: Int, end: Int) throws(ClientError) -> [Dataset] {
        try checkListName(list)
        let key = prefixes.key(.list, list, .get)
        let entries = try listEntries(key, start: start, end: end)
        guard !entries.isEmpty else { return [] }
        var names: [String] = []
        for entry in entries { names.append(try Self.datasetName(fromEntry: entry)) }
        let keys = entries.map { DatasetKeys(stem: $0) }
        let replies = try execute(keys.map { Command(arguments: [Array("HGETALL".utf8), $0.meta]) }, options: .normal)
        var items: [(name: String, keys: DatasetKeys, pairs: [[UInt8]])] = []
        for (index, reply) in replies.enumerated() {
            items.append((names[index], keys[index], try Self.pairs(from: reply, key: keys[index].text)))
        }
        return try fetchDatasets(items)
    }

    /// Copies list `source` (get prefix) to `destination` (put prefix), replacing it.
    ///
    /// SmartRedis deletes the destination with the *get* prefix but writes it with the put
    /// prefix; Tandem uses the put prefix for both, so the copy really replaces the list
    /// it writes. Copying a list onto itself sends nothing.
    ///
    /// - Throws: ``ClientError/Code/keyNotFound`` when `source` is missing or empty.
    public func copyList(_ source: String, to destination: String) throws(ClientError) {
        guard !source.isEmpty else { throw .invalidArgument("The src_name parameter cannot be an empty string.") }
        guard !destination.isEmpty else { throw .invalidArgument("The dest_name parameter cannot be an empty string.") }
        guard source != destination else { return }
        let p = prefixes
        let from = p.key(.list, source, .get)
        let to = p.key(.list, destination, .put)
        let entries = try listEntries(from, start: 0, end: -1)
        guard !entries.isEmpty else {
            throw ClientError(.keyNotFound, "The source aggregation list \(from) does not exist. \(sourceHint(.list))")
        }
        try pipeline([Command("DEL", to), Command(arguments: [Array("RPUSH".utf8), Array(to.utf8)] + entries)], key: to)
    }

    /// Copies list `source` to `destination`, then deletes `source`.
    public func renameList(_ source: String, to destination: String) throws(ClientError) {
        guard !source.isEmpty else { throw .invalidArgument("The src_name parameter cannot be an empty string.") }
        guard !destination.isEmpty else { throw .invalidArgument("The dest_name parameter cannot be an empty string.") }
        guard source != destination else { return }
        try copyList(source, to: destination)
        try deleteList(source)
    }

    // MARK: - Helpers

    private func checkListName(_ list: String) throws(ClientError) {
        guard !list.isEmpty else { throw .invalidArgument("The list name must have length greater than zero") }
    }

    /// `LRANGE key start end` as byte strings, each non-empty.
    private func listEntries(_ key: String, start: Int, end: Int) throws(ClientError) -> [[UInt8]] {
        let reply = try call(Command("LRANGE", key, start, end), key: key)
        guard let elements = reply.array else { throw .unexpectedReply(reply, command: "LRANGE") }
        var entries: [[UInt8]] = []
        entries.reserveCapacity(elements.count)
        for element in elements {
            guard case .bulkString(let bytes) = element, !bytes.isEmpty else {
                throw ClientError(.protocolViolation, "aggregation list \(key) holds an entry that is not a dataset key: \(element.summary).")
            }
            entries.append(bytes)
        }
        return entries
    }

    /// The dataset name inside a list entry: the text between the first `{` and the last `}`.
    static func datasetName(fromEntry entry: [UInt8]) throws(ClientError) -> String {
        guard let open = entry.firstIndex(of: UInt8(ascii: "{")) else {
            throw ClientError(.protocolViolation, "An aggregation list entry (\(String(decoding: entry, as: UTF8.self))) could not be converted to a DataSet name because the { character is missing.")
        }
        guard let close = entry.lastIndex(of: UInt8(ascii: "}")), close > open + 1 else {
            throw ClientError(.protocolViolation, "An aggregation list entry (\(String(decoding: entry, as: UTF8.self))) could not be converted to a DataSet name because the } character is missing or the name is empty.")
        }
        return String(decoding: entry[(open + 1)..<close], as: UTF8.self)
    }
}
