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
