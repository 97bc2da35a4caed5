import TandemTensor

/// What decides whether two `AI.MODELEXECUTE` requests may run as one batch: the same
/// model value, the same number of inputs, and inputs that agree in element type and in
/// every dimension but the first. Computed on the main thread when the run is queued.
///
/// A request's size in the batch (``rows``) is dim 0 of its first input, as RedisAI counts
/// it. Requests with a scalar or STRING input, or with a first dimension below 1, get no
/// signature and always run alone.
struct BatchSignature: Sendable {
    /// The model value (by identity: a model stored again under the same key is another).
    let model: ObjectIdentifier
    /// Per input: its element type and its dimensions after the first.
    let inputs: [(dtype: DType, trailing: ArraySlice<Int64>)]
    /// Dim 0 of the first input: the samples this request adds to a batch.
    let rows: Int

    /// The signature of a run of `model` on `inputs`, or `nil` when it cannot join a batch
    /// (the model has no `BATCHSIZE`, or an input is a scalar or a STRING tensor).
    init?(model: ModelValue, inputs: [TensorValue]) {
        guard model.definition.batchSize > 0, let first = inputs.first, let rows = first.shape.first,
              rows > 0, let count = Int(exactly: rows) else { return nil }
        var described: [(dtype: DType, trailing: ArraySlice<Int64>)] = []
        described.reserveCapacity(inputs.count)
        for input in inputs {
            guard let dim0 = input.shape.first, dim0 > 0, input.dtype.elementSize != nil else { return nil }
            described.append((input.dtype, input.shape.dropFirst()))
        }
        self.model = ObjectIdentifier(model)
        self.inputs = described
        self.rows = count
    }

    /// Whether a request with signature `other` may run in the same batch as this one.
    func joins(_ other: BatchSignature) -> Bool {
        guard model == other.model, inputs.count == other.inputs.count else { return false }
        for (a, b) in zip(inputs, other.inputs) where a.dtype != b.dtype || a.trailing != b.trailing {
            return false
        }
        return true
    }
}

/// A model's batching settings from `AI.MODELSTORE`, as the queue applies them.
struct BatchLimits: Sendable {
    /// `BATCHSIZE`: a batch never holds more rows than this (a larger request runs alone).
    let batchSize: Int
    /// `MINBATCHSIZE`: a batch waits until it has this many rows (0: never waits)...
    let minBatchSize: Int
    /// ...or until the oldest request in it has waited this long (`MINBATCHTIMEOUT`, in
    /// nanoseconds; 0: it waits for as long as it takes).
    let minBatchTimeout: UInt64

    init(_ definition: ModelDefinition) {
        batchSize = Int(clamping: definition.batchSize)
        minBatchSize = Int(clamping: definition.minBatchSize)
        let (nanoseconds, overflow) = UInt64(clamping: definition.minBatchTimeout).multipliedReportingOverflow(by: 1_000_000)
        minBatchTimeout = overflow ? UInt64.max : nanoseconds
    }
}
