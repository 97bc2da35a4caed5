import TandemTensor

/// A named bundle of tensors and metadata, stored and fetched as one unit
/// (SmartRedis's `DataSet`).
///
/// ```swift
/// var ds = Dataset(name: "sim_data_0")
/// try ds.addTensor("u_init", Tensor(shape: [1, 64, 64, 1], scalars: initial))
/// try ds.addMetaScalar("step", 42)
/// try ds.addMetaString("note", "first run")
/// try client.putDataset(ds)
/// ```
public struct Dataset: Sendable, Equatable {
    /// The dataset's name: its keys are `prefix{name}.meta` and `prefix{name}.tensor`.
    public let name: String
    /// Tensor names in the order they were added.
    public private(set) var tensorNames: [String] = []
    private var tensors: [String: Tensor] = [:]
    /// Metadata field names in the order they were added (or stored).
    public private(set) var metadataFieldNames: [String] = []
    private var fields: [String: MetadataField] = [:]

    /// The hash field that lists tensor names.
    static let tensorNamesField = ".tensor_names"
    /// The hash field `put_dataset` writes last, meaning "complete".
    static let completeField = ".COMPLETE"

    /// An empty dataset.
    public init(name: String) {
        self.name = name
    }

    // MARK: Tensors

    /// Adds a tensor.
    /// - Throws: ``ClientError/Code/invalidArgument`` when the name is empty, `.meta`, or
    ///   already used in this dataset.
    public mutating func addTensor(_ name: String, _ tensor: Tensor) throws(ClientError) {
        guard !name.isEmpty else { throw .invalidArgument("A tensor in dataset \"\(self.name)\" needs a non-empty name.") }
        guard name != "meta" && name != ".meta" else {
            throw .invalidArgument(".meta is an internally reserved name that is not allowed.")
        }
        guard tensors[name] == nil else { throw .invalidArgument("The tensor \(name) already exists in dataset \"\(self.name)\".") }
        tensors[name] = tensor
        tensorNames.append(name)
    }

    /// Adds a Swift array as a tensor of `shape`.
    public mutating func addTensor<Scalar: TensorScalar>(_ name: String, _ scalars: [Scalar], shape: [Int]) throws(ClientError) {
        try addTensor(name, try Client.makeTensor(scalars, shape: shape))
    }

    /// The tensor called `name`.
    /// - Throws: ``ClientError/Code/keyNotFound`` when there is none.
    public func tensor(_ name: String) throws(ClientError) -> Tensor {
        guard let tensor = tensors[name] else {
            throw ClientError(.keyNotFound, "The tensor \"\(name)\" does not exist in dataset \"\(self.name)\"; it holds \(tensorNames).")
        }
        return tensor
    }

    /// The elements of tensor `name` as `Scalar`.
    /// - Throws: ``ClientError/Code/keyNotFound`` or ``ClientError/Code/typeMismatch``.
    public func tensor<Scalar: TensorScalar>(_ name: String, as type: Scalar.Type) throws(ClientError) -> [Scalar] {
        let t = try tensor(name)
        guard t.dtype == Scalar.dtype else {
            throw ClientError(.typeMismatch, "tensor \"\(name)\" of dataset \"\(self.name)\" holds \(t.dtype), not \(Scalar.dtype).")
        }
        return t.scalars(as: type)
    }

    // MARK: Metadata

    /// Appends a scalar to field `name`, creating the field with the value's type.
    /// - Throws: ``ClientError/Code/typeMismatch`` when the field has another type,
    ///   ``ClientError/Code/invalidArgument`` for an empty or reserved name.
    public mutating func addMetaScalar<Scalar: MetadataScalar>(_ name: String, _ value: Scalar) throws(ClientError) {
        try checkFieldName(name)
        if var field = fields[name] {
            guard field.type == Scalar.metadataType else {
                throw ClientError(.typeMismatch, "The existing metadata field \(name) has a different type (\(field.type.name)) than \(Scalar.metadataType.name).")
            }
            field.append(value)
            fields[name] = field
        } else {
            fields[name] = .scalars([value])
            metadataFieldNames.append(name)
        }
    }

    /// Appends a string to field `name`, creating a string field.
    /// - Throws: ``ClientError/Code/typeMismatch`` when the field holds scalars.
    public mutating func addMetaString(_ name: String, _ value: String) throws(ClientError) {
        try addMetaString(name, bytes: Array(value.utf8))
    }

    /// Appends a string given as raw bytes (any bytes, not only UTF-8).
    public mutating func addMetaString(_ name: String, bytes: [UInt8]) throws(ClientError) {
        try checkFieldName(name)
        if var field = fields[name] {
            guard field.type == .string else {
                throw ClientError(.typeMismatch, "The metadata field \(name) isn't a string type (it holds \(field.type.name)).")
            }
            field.append(string: bytes)
            fields[name] = field
        } else {
            fields[name] = .strings([bytes])
            metadataFieldNames.append(name)
        }
    }

    /// All values of scalar field `name`.
    /// - Throws: ``ClientError/Code/keyNotFound`` when missing, ``ClientError/Code/typeMismatch``
    ///   when the field holds another type.
    public func metaScalars<Scalar: MetadataScalar>(_ name: String, as type: Scalar.Type) throws(ClientError) -> [Scalar] {
        let field = try field(name)
        guard let values = field.scalars(as: type) else {
            throw ClientError(.typeMismatch, "The metadata field \(name) holds \(field.type.name), not \(Scalar.metadataType.name).")
        }
        return values
    }

    /// All strings of field `name`, decoded as UTF-8.
    public func metaStrings(_ name: String) throws(ClientError) -> [String] {
        try metaStringBytes(name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// All strings of field `name` as stored.
    public func metaStringBytes(_ name: String) throws(ClientError) -> [[UInt8]] {
        let field = try field(name)
        guard field.type == .string else {
            throw ClientError(.typeMismatch, "The metadata field \(name) is not a string field (it holds \(field.type.name)).")
        }
        return field.strings
    }

    /// The type of field `name`.
    public func metadataFieldType(_ name: String) throws(ClientError) -> MetadataType {
        try field(name).type
    }

    /// Whether field `name` exists.
    public func hasField(_ name: String) -> Bool { fields[name] != nil }

    /// Removes field `name` (nothing happens when it does not exist).
    public mutating func clearField(_ name: String) {
        guard fields.removeValue(forKey: name) != nil else { return }
        metadataFieldNames.removeAll { $0 == name }
    }

    /// The field `name`.
    /// - Throws: ``ClientError/Code/keyNotFound`` when missing.
    public func field(_ name: String) throws(ClientError) -> MetadataField {
        guard let field = fields[name] else {
            throw ClientError(.keyNotFound, "The metadata field \(name) does not exist in dataset \"\(self.name)\".")
        }
        return field
    }

    private func checkFieldName(_ name: String) throws(ClientError) {
        guard !name.isEmpty, name != Self.tensorNamesField, name != Self.completeField else {
            throw .invalidArgument("\"\(name)\" cannot be a metadata field name: it is empty or reserved.")
        }
    }
}

// MARK: - Stored form

extension Dataset {
    /// Whether there is anything to store.
    var isEmpty: Bool { tensorNames.isEmpty && metadataFieldNames.isEmpty }

    /// The `HMSET` field/value pairs: every metadata field, then `.tensor_names` if any tensor.
    func encodedMetadata() -> [[UInt8]] {
        var pairs: [[UInt8]] = []
        pairs.reserveCapacity(2 * metadataFieldNames.count + 2)
        for name in metadataFieldNames {
            pairs.append(Array(name.utf8))
            pairs.append(fields[name]!.encoded())
        }
        if !tensorNames.isEmpty {
            pairs.append(Array(Self.tensorNamesField.utf8))
            pairs.append(MetadataField.strings(tensorNames.map { Array($0.utf8) }).encoded())
        }
        return pairs
    }

    /// Decodes an `HGETALL` reply of a `.meta` hash (fields and values alternating), skipping
    /// `.COMPLETE`. Returns the dataset without tensors and the tensor names to fetch.
    static func decodeMetadata(name: String, pairs: [[UInt8]]) throws(ClientError) -> (Dataset, tensorNames: [[UInt8]]) {
        var dataset = Dataset(name: name)
        var tensorNames: [[UInt8]] = []
        var index = 0
        while index + 1 < pairs.count {
            let field = String(decoding: pairs[index], as: UTF8.self)
            let value = pairs[index + 1]
            index += 2
            if field == completeField { continue }
            let decoded = try MetadataField(decoding: value, field: field)
            if field == tensorNamesField {
                guard decoded.type == .string else {
                    throw ClientError(.protocolViolation, "dataset \"\(name)\": .tensor_names is not a string field.")
                }
                tensorNames = decoded.strings
            } else {
                dataset.fields[field] = decoded
                dataset.metadataFieldNames.append(field)
            }
        }
        return (dataset, tensorNames)
    }

    /// Adds a fetched tensor without the name checks (the names come from the database).
    mutating func insertFetched(_ name: String, _ tensor: Tensor) {
        if tensors.updateValue(tensor, forKey: name) == nil { tensorNames.append(name) }
    }
}
