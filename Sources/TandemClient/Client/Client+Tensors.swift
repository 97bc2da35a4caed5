import TandemTensor

extension Client {
    /// Stores a tensor under `name` (with the put prefix), replacing any tensor there.
    ///
    /// Sends `AI.TENSORSET key TYPE dims… BLOB bytes`; the bytes go out without a copy.
    /// - Throws: ``ClientError/Code/typeMismatch`` when the key holds another kind of value.
    public func putTensor(_ name: String, _ tensor: Tensor) throws(ClientError) {
        let key = prefixes.key(.tensor, name, .put)
        try expectOK(try call(TensorWire.set(Array(key.utf8), tensor), key: key), "AI.TENSORSET")
    }

    /// Stores a Swift array as a tensor of `shape` (row-major).
    ///
    /// - Throws: ``ClientError/Code/invalidArgument`` when `shape` does not hold
    ///   `scalars.count` elements or has a dimension below 1.
    public func putTensor<Scalar: TensorScalar>(_ name: String, _ scalars: [Scalar], shape: [Int]) throws(ClientError) {
        try putTensor(name, try Self.makeTensor(scalars, shape: shape))
    }

    /// Fetches the tensor stored under `name` (with the get prefix).
    ///
    /// - Throws: ``ClientError/Code/keyNotFound`` when there is none,
    ///   ``ClientError/Code/typeMismatch`` when the key holds something else.
    public func getTensor(_ name: String) throws(ClientError) -> Tensor {
        let key = prefixes.key(.tensor, name, .get)
        let reply = try execute([TensorWire.get(Array(key.utf8))], options: .normal)[0]
        return try TensorWire.tensor(from: reply, key: key)
    }

    /// Fetches a tensor's elements as a Swift array, with its shape.
    ///
    /// - Throws: ``ClientError/Code/typeMismatch`` when the tensor holds another type.
    public func getTensor<Scalar: TensorScalar>(_ name: String, as type: Scalar.Type) throws(ClientError) -> (shape: [Int], scalars: [Scalar]) {
        let tensor = try getTensor(name)
        guard tensor.dtype == Scalar.dtype else {
            throw ClientError(.typeMismatch, "tensor \"\(name)\" holds \(tensor.dtype), not \(Scalar.dtype); ask for \(tensor.dtype) or convert after reading.")
        }
        return (tensor.shape, tensor.scalars(as: type))
    }

    /// Fetches a tensor into memory the caller owns.
    ///
    /// - Parameters:
    ///   - buffer: receives the elements in row-major order.
    ///   - shape: the shape the caller expects: the stored shape, or one dimension holding
    ///     every element (a flat buffer).
    /// - Throws: ``ClientError/Code/typeMismatch`` when the element type differs, the shape
    ///   does not match, or `buffer` is not exactly as long as the tensor.
    public func unpackTensor<Scalar: TensorScalar>(_ name: String, into buffer: UnsafeMutableBufferPointer<Scalar>, shape: [Int]) throws(ClientError) {
        let tensor = try getTensor(name)
        guard tensor.dtype == Scalar.dtype else {
            throw ClientError(.typeMismatch, "tensor \"\(name)\" holds \(tensor.dtype) but the buffer holds \(Scalar.dtype).")
        }
        guard shape == tensor.shape || shape == [tensor.count] else {
            throw ClientError(.typeMismatch, "tensor \"\(name)\" has shape \(tensor.shape), the caller expects \(shape).")
        }
        guard buffer.count == tensor.count else {
            throw ClientError(.typeMismatch, "tensor \"\(name)\" has \(tensor.count) elements but the buffer holds \(buffer.count).")
        }
        tensor.withUnsafeBufferPointer(as: Scalar.self) { source in
            _ = buffer.initialize(fromContentsOf: source)
        }
    }

    /// Fetches a tensor into an existing array of the right length.
    public func unpackTensor<Scalar: TensorScalar>(_ name: String, into array: inout [Scalar], shape: [Int]) throws(ClientError) {
        try array.withUnsafeMutableBufferPointer { buffer throws(ClientError) in
            try unpackTensor(name, into: buffer, shape: shape)
        }
    }

    /// Whether a tensor (any key, in fact) exists under `name` with the get prefix (`EXISTS`).
    public func tensorExists(_ name: String) throws(ClientError) -> Bool {
        try keyExists(prefixes.key(.tensor, name, .get))
    }

    /// Whether `key` exists, used verbatim without any prefix (`EXISTS`).
    public func keyExists(_ key: String) throws(ClientError) -> Bool {
        try integer(try call(Command("EXISTS", key), key: key), "EXISTS") > 0
    }

    /// Checks ``tensorExists(_:)`` up to `tries` times, sleeping `intervalMilliseconds` after each miss.
    /// - Returns: whether the tensor appeared.
    public func pollTensor(_ name: String, intervalMilliseconds: Int, tries: Int) throws(ClientError) -> Bool {
        try poll(intervalMilliseconds: intervalMilliseconds, tries: tries) { () throws(ClientError) in try tensorExists(name) }
    }

    /// Checks ``keyExists(_:)`` up to `tries` times, sleeping `intervalMilliseconds` after each miss.
    public func pollKey(_ key: String, intervalMilliseconds: Int, tries: Int) throws(ClientError) -> Bool {
        try poll(intervalMilliseconds: intervalMilliseconds, tries: tries) { () throws(ClientError) in try keyExists(key) }
    }

    /// Deletes the tensor `name` (get prefix; `DEL`, in a cluster `UNLINK` as SmartRedis
    /// sends). Deleting a missing tensor is not an error.
    public func deleteTensor(_ name: String) throws(ClientError) {
        let key = prefixes.key(.tensor, name, .get)
        _ = try call(Command(isCluster ? "UNLINK" : "DEL", key), key: key)
    }

    /// Copies tensor `source` (get prefix) to `destination` (put prefix), replacing it.
    public func copyTensor(_ source: String, to destination: String) throws(ClientError) {
        let tensor = try getTensor(source)
        try putTensor(destination, tensor)
    }

    /// Renames tensor `old` (get prefix) to `new` (put prefix) with `RENAME`. In a cluster,
    /// when the two keys hash to different slots, the tensor is copied and the old key
    /// unlinked instead (not atomic), as SmartRedis does.
    /// - Throws: ``ClientError/Code/keyNotFound`` when `old` does not exist.
    public func renameTensor(_ old: String, to new: String) throws(ClientError) {
        let p = prefixes
        let from = p.key(.tensor, old, .get)
        let to = p.key(.tensor, new, .put)
        if isCluster && HashSlot.of(from) != HashSlot.of(to) {
            let tensor = try TensorWire.tensor(from: try execute([TensorWire.get(Array(from.utf8))], options: .normal)[0], key: from)
            try expectOK(try call(TensorWire.set(Array(to.utf8), tensor), key: to), "AI.TENSORSET")
            try call(Command("UNLINK", from), key: from)
            return
        }
        try expectOK(try call(Command("RENAME", from, to), key: from), "RENAME")
    }

    /// A tensor from a Swift array, with the shape checked instead of trapping.
    static func makeTensor<Scalar: TensorScalar>(_ scalars: [Scalar], shape: [Int]) throws(ClientError) -> Tensor {
        let count: Int
        do { count = try Tensor.elementCount(of: shape) } catch {
            throw ClientError.invalidArgument("invalid tensor shape \(shape): \(error).")
        }
        guard count == scalars.count else {
            throw ClientError.invalidArgument("shape \(shape) holds \(count) elements but \(scalars.count) were given.")
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}
