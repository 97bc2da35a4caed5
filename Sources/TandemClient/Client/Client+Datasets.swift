import RESP
import TandemTensor

extension Client {
    /// Stores a dataset (put prefix): its metadata hash `pfx{name}.meta`, its tensors
    /// `pfx{name}.tensor`, and last the `.COMPLETE` acknowledgement.
    ///
    /// One pipeline sends `DEL` of the old hash, `HMSET` of the metadata and `.tensor_names`,
    /// and every `AI.TENSORSET`; only when every reply is a success does a second write
    /// send `HSET … .COMPLETE 1`. So a dataset is never reported complete (see
    /// ``datasetExists(_:)``) unless all of it is stored — SmartRedis sends the
    /// acknowledgement in the same pipeline even when a tensor was refused.
    ///
    /// - Throws: ``ClientError/Code/invalidArgument`` for a dataset without tensors and
    ///   metadata, or the first server error (nothing is acknowledged then).
    public func putDataset(_ dataset: Dataset) throws(ClientError) {
        guard !dataset.name.isEmpty else { throw .invalidArgument("A dataset needs a non-empty name.") }
        guard !dataset.isEmpty else {
            throw .invalidArgument("An attempt was made to put a DataSet into the database that does not contain any fields or tensors (dataset \"\(dataset.name)\").")
        }
        let keys = DatasetKeys(stem: prefixes.datasetKey(dataset.name, .put))
        var commands = [Command(arguments: [Array("DEL".utf8), keys.meta]),
                        Command(arguments: [Array("HMSET".utf8), keys.meta] + dataset.encodedMetadata())]
        for name in dataset.tensorNames {
            commands.append(TensorWire.set(keys.tensor(Array(name.utf8)), try dataset.tensor(name)))
        }
        try pipeline(commands, key: keys.text)
        try storeCompleteFlag(keys)
    }

    /// Fetches dataset `name` (get prefix): `HGETALL` of its metadata, then one pipeline of
    /// `AI.TENSORGET` for its tensors.
    ///
    /// - Throws: ``ClientError/Code/keyNotFound`` when the metadata hash does not exist or
    ///   a listed tensor is missing.
    public func getDataset(_ name: String) throws(ClientError) -> Dataset {
        let keys = DatasetKeys(stem: prefixes.datasetKey(name, .get))
        let pairs = try metadataPairs(keys)
        guard !pairs.isEmpty else {
            throw ClientError(.keyNotFound, "The requested DataSet, \"\(name)\", does not exist (no hash \(keys.text).meta). \(sourceHint(.dataset))")
        }
        return try fetchDatasets([(name, keys, pairs)])[0]
    }

    /// Whether dataset `name` (get prefix) is completely stored: `HEXISTS pfx{name}.meta .COMPLETE`.
    public func datasetExists(_ name: String) throws(ClientError) -> Bool {
        let keys = DatasetKeys(stem: prefixes.datasetKey(name, .get))
        return try integer(try call(Command(arguments: [Array("HEXISTS".utf8), keys.meta, Array(Dataset.completeField.utf8)]),
                                    key: keys.text), "HEXISTS") == 1
    }

    /// Checks ``datasetExists(_:)`` up to `tries` times, sleeping `intervalMilliseconds` after each miss.
    public func pollDataset(_ name: String, intervalMilliseconds: Int, tries: Int) throws(ClientError) -> Bool {
        try poll(intervalMilliseconds: intervalMilliseconds, tries: tries) { () throws(ClientError) in try datasetExists(name) }
    }

    /// Deletes dataset `name` (get prefix): its metadata hash and its tensors, in one `DEL`.
    ///
    /// - Throws: ``ClientError/Code/keyNotFound`` when it does not exist. (SmartRedis raises
    ///   a runtime error here but a key error in ``getDataset(_:)``; Tandem uses the key
    ///   error for both.)
    public func deleteDataset(_ name: String) throws(ClientError) {
        let keys = DatasetKeys(stem: prefixes.datasetKey(name, .get))
        let pairs = try metadataPairs(keys)
        guard !pairs.isEmpty else {
            throw ClientError(.keyNotFound, "The requested DataSet \(name) does not exist (no hash \(keys.text).meta). \(sourceHint(.dataset))")
        }
        let (_, tensorNames) = try Dataset.decodeMetadata(name: name, pairs: pairs)
        try call(Command(arguments: [Array("DEL".utf8), keys.meta] + tensorNames.map { keys.tensor($0) }), key: keys.text)
    }

    /// Copies dataset `source` (get prefix) to `destination` (put prefix): its tensors, then
    /// its metadata, then the `.COMPLETE` acknowledgement once everything is stored.
    ///
    /// - Throws: ``ClientError/Code/keyNotFound`` when `source` does not exist.
    public func copyDataset(_ source: String, to destination: String) throws(ClientError) {
        let p = prefixes
        let from = DatasetKeys(stem: p.datasetKey(source, .get))
        let to = DatasetKeys(stem: p.datasetKey(destination, .put))
        let pairs = try metadataPairs(from)
        guard !pairs.isEmpty else {
            throw ClientError(.keyNotFound, "The requested DataSet \(source) does not exist (no hash \(from.text).meta). \(sourceHint(.dataset))")
        }
        let (_, tensorNames) = try Dataset.decodeMetadata(name: source, pairs: pairs)
        var commands: [Command] = []
        if !tensorNames.isEmpty {
            let replies = try execute(tensorNames.map { TensorWire.get(from.tensor($0)) }, options: .normal)
            for (tensorName, reply) in zip(tensorNames, replies) {
                let key = String(decoding: from.tensor(tensorName), as: UTF8.self)
                commands.append(TensorWire.set(to.tensor(tensorName), try TensorWire.tensor(from: reply, key: key)))
            }
        }
        var stored: [[UInt8]] = []
        for index in stride(from: 0, to: pairs.count - 1, by: 2) where pairs[index] != Array(Dataset.completeField.utf8) {
            stored.append(pairs[index])
            stored.append(pairs[index + 1])
        }
        commands.append(Command(arguments: [Array("DEL".utf8), to.meta]))
        commands.append(Command(arguments: [Array("HMSET".utf8), to.meta] + stored))
        try pipeline(commands, key: to.text)
        try storeCompleteFlag(to)
    }

    /// Copies dataset `old` to `new`, then deletes `old` (not atomic, as in SmartRedis).
    public func renameDataset(_ old: String, to new: String) throws(ClientError) {
        try copyDataset(old, to: new)
        try deleteDataset(old)
    }

    // MARK: - Shared with aggregation lists

    /// `HSET meta .COMPLETE 1`.
    private func storeCompleteFlag(_ keys: DatasetKeys) throws(ClientError) {
        try call(Command(arguments: [Array("HSET".utf8), keys.meta, Array(Dataset.completeField.utf8), Array("1".utf8)]), key: keys.text)
    }

    /// The `HGETALL` reply of a metadata hash as alternating field/value byte strings.
    private func metadataPairs(_ keys: DatasetKeys) throws(ClientError) -> [[UInt8]] {
        try Self.pairs(from: try call(Command(arguments: [Array("HGETALL".utf8), keys.meta]), key: keys.text), key: keys.text)
    }

    static func pairs(from reply: RESPValue, key: String) throws(ClientError) -> [[UInt8]] {
        if case .error(let text) = reply { throw ClientError.fromServer(text, command: "HGETALL", key: key + ".meta") }
        guard let elements = reply.array, elements.count % 2 == 0 else { throw .unexpectedReply(reply, command: "HGETALL") }
        var pairs: [[UInt8]] = []
        pairs.reserveCapacity(elements.count)
        for element in elements {
            guard case .bulkString(let bytes) = element else { throw .unexpectedReply(reply, command: "HGETALL") }
            pairs.append(bytes)
        }
        return pairs
    }

    /// Decodes metadata and fetches every listed tensor of several datasets in one pipeline.
    func fetchDatasets(_ items: [(name: String, keys: DatasetKeys, pairs: [[UInt8]])]) throws(ClientError) -> [Dataset] {
        var datasets: [Dataset] = []
        var requests: [(dataset: Int, tensor: [UInt8], key: [UInt8])] = []
        for (index, item) in items.enumerated() {
            let (dataset, tensorNames) = try Dataset.decodeMetadata(name: item.name, pairs: item.pairs)
            datasets.append(dataset)
            for tensorName in tensorNames { requests.append((index, tensorName, item.keys.tensor(tensorName))) }
        }
        let replies = try execute(requests.map { TensorWire.get($0.key) }, options: .normal)
        for (request, reply) in zip(requests, replies) {
            let tensor = try TensorWire.tensor(from: reply, key: String(decoding: request.key, as: UTF8.self))
            datasets[request.dataset].insertFetched(String(decoding: request.tensor, as: UTF8.self), tensor)
        }
        return datasets
    }

    /// A hint on where a missing key was looked for.
    func sourceHint(_ kind: KeyKind) -> String {
        let p = prefixes
        let prefix = p.prefix(kind, .get)
        return prefix.isEmpty ? "No prefix was used." : "Keys were read with the prefix \"\(prefix)\" (data source \(p.dataSource ?? "")); check SSKEYIN, setDataSource and the ensemble-prefix switches."
    }
}
