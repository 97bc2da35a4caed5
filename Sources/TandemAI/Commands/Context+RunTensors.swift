extension Context {
    /// The tensors named by `args[i]` for each `i` of `indexes`, in order, for a model or
    /// script run: a missing or empty key is `tensorKeyEmpty`, another type `wrongType`.
    func inputTensors(at indexes: some Collection<Int>, of args: Arguments) throws(CommandError) -> [TensorValue] {
        var tensors: [TensorValue] = []
        tensors.reserveCapacity(indexes.count)
        for i in indexes {
            guard let name = args[i] else { throw .tensorKeyEmpty }
            let tensor = try withKey(name, write: false) { key throws(CommandError) -> TensorValue in
                if key.isEmpty { throw .tensorKeyEmpty }
                guard let tensor = key.tensor else { throw .wrongType }
                return tensor
            }
            tensors.append(tensor)
        }
        return tensors
    }
}

extension Context {
    /// Stores a model or script run's `outputs` under `keys`: every key checked first (one
    /// WRONGTYPE error, nothing written), then each written and replicated.
    func storeOutputTensors(_ outputs: [TensorValue], under keys: [OpaquePointer]) throws(CommandError) {
        for key in keys {
            try withKey(key, write: true) { handle throws(CommandError) in try handle.requireEmptyOr(DataTypes.tensor) }
        }
        for (key, tensor) in zip(keys, outputs) {
            try withKey(key, write: true) { handle throws(CommandError) in
                try handle.set(tensor, as: DataTypes.tensor, what: "tensor")
            }
            TensorType.replicate(tensor, key: key, in: self)
        }
    }
}
