import RESP
import TandemRedis

/// Objects kept once per shard (models, scripts) and commands that run on them, the same
/// way in both modes: in a cluster under SmartRedis's `{P}.key` names, in a standalone
/// database under the plain key. Model and script calls go through these, so the cluster
/// rules live in one place.
extension Client {
    /// Sends `makeCommand(k)` for every copy key `k` of `key`: `{P}.key` once per slot-map
    /// entry in slot order (in parallel), or `key` alone. Every reply must be `OK`; the
    /// first error, in slot order, throws.
    func sendToEveryCopy(of key: String, options: ExecutionOptions, _ makeCommand: ([UInt8]) -> Command) throws(ClientError) {
        let keys = copyKeys(of: key)
        let commands = keys.map(makeCommand)
        let replies = try execute(commands, options: options)
        for (command, reply) in zip(commands, replies) {
            if case .error(let text) = reply { throw ClientError.fromServer(text, command: command.name, key: key) }
            try expectOK(reply, command.name)
        }
    }

    /// Every copy key of `key`: `{P}.key` per slot-map entry, or `key` itself.
    func copyKeys(of key: String) -> [[UInt8]] {
        let bytes = Array(key.utf8)
        guard let map = router.slotMap else { return [bytes] }
        return map.shards.map { $0.prefixedKey(bytes) }
    }

    /// The copy of `key` that reads use: the lowest-slot entry's `{P}.key` in a cluster (as
    /// SmartRedis reads models and scripts), `key` otherwise.
    func readCopyKey(of key: String) -> [UInt8] {
        copyKeys(of: key)[0]
    }

    /// The copy of `key` on the shard at `address` (`{P}.key` with that shard's first
    /// entry), or `key` in a standalone database.
    func copyKey(of key: String, at address: ServerAddress?) -> [UInt8] {
        let bytes = Array(key.utf8)
        guard let map = router.slotMap else { return bytes }
        let shard = address.flatMap { map.firstShard(at: $0) } ?? map.shards[0]
        return shard.prefixedKey(bytes)
    }

    /// Runs a command that reads `inputs` and writes `outputs` (tensor keys with prefixes
    /// applied) next to the copy of `key` that shares their shard.
    ///
    /// Standalone: `makeCommand(key, inputs, outputs)` as is. Cluster, as SmartRedis does:
    /// pick the entry serving `inputs[0]` (the first entry without inputs); copy every input
    /// to `{P}.input.TMP`; run `makeCommand({P}.key, temporaries…)`; copy every
    /// `{P}.output.TMP` back to its output; delete the temporaries (also after a failure).
    ///
    /// - Returns: the command's reply (an error reply throws).
    func runNextToCopy(of key: String, inputs: [String], outputs: [String], options: ExecutionOptions,
                       _ makeCommand: (_ key: [UInt8], _ inputs: [[UInt8]], _ outputs: [[UInt8]]) -> Command) throws(ClientError) -> RESPValue {
        let keyBytes = Array(key.utf8)
        guard let map = router.slotMap else {
            return try call(makeCommand(keyBytes, inputs.map { Array($0.utf8) }, outputs.map { Array($0.utf8) }), key: key, options: options)
        }
        let shard = inputs.first.flatMap { map.shard(forKey: Array($0.utf8)) } ?? map.shards[0]
        let temporary = { (name: String) in shard.prefixedKey(Array((name + ".TMP").utf8)) }
        let inputCopies = inputs.map(temporary)
        let outputCopies = outputs.map(temporary)
        defer {
            if !(outputCopies + inputCopies).isEmpty {
                _ = try? execute([Command(arguments: [Array("DEL".utf8)] + outputCopies + inputCopies)], options: .normal)
            }
        }

        if !inputs.isEmpty {
            let fetched = try execute(inputs.map { TensorWire.get(Array($0.utf8)) }, options: .normal)
            var stores: [Command] = []
            for (index, reply) in fetched.enumerated() {
                stores.append(TensorWire.set(inputCopies[index], try TensorWire.tensor(from: reply, key: inputs[index])))
            }
            try pipeline(stores, key: key)
        }
        let reply = try call(makeCommand(shard.prefixedKey(keyBytes), inputCopies, outputCopies), key: key, options: options)
        if !outputs.isEmpty {
            let produced = try execute(outputCopies.map { TensorWire.get($0) }, options: .normal)
            var stores: [Command] = []
            for (index, reply) in produced.enumerated() {
                let copyName = String(decoding: outputCopies[index], as: UTF8.self)
                stores.append(TensorWire.set(Array(outputs[index].utf8), try TensorWire.tensor(from: reply, key: copyName)))
            }
            try pipeline(stores, key: key)
        }
        return reply
    }
}
