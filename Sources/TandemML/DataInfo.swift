import TandemClient

/// What a training data list holds, published beside it as the metadata-only dataset
/// `⟨listName⟩_info` (SmartSim's `smartsim.ml.DataInfo`), so a downloader knows which
/// tensors are samples and targets.
public struct DataInfo: Sendable, Equatable {
    /// The aggregation list of training batches.
    public var listName: String
    /// The tensor holding the samples in every batch dataset.
    public var sampleName: String
    /// The tensor holding the targets; `nil` when there are none.
    public var targetName: String?
    /// The number of classes, for one-hot targets; `nil` when not a classification.
    public var numClasses: Int?

    /// Creates a description; the defaults are SmartSim's.
    public init(listName: String = "training_data", sampleName: String = "samples",
                targetName: String? = "targets", numClasses: Int? = nil) {
        self.listName = listName
        self.sampleName = sampleName
        self.targetName = targetName
        self.numClasses = numClasses
    }

    /// The name of the dataset that carries this description.
    public var datasetName: String { "\(listName)_info" }

    /// Whether batches carry separate targets (not when the target is the sample itself).
    public var hasTargets: Bool {
        guard let targetName, !targetName.isEmpty else { return false }
        return targetName != sampleName
    }

    /// Stores the description: string fields `sample_name`, `target_name` (when set) and
    /// the Int64 field `num_classes` (when set and non-zero).
    public func publish(to client: Client) throws(ClientError) {
        var dataset = Dataset(name: datasetName)
        try dataset.addMetaString("sample_name", sampleName)
        if let targetName, !targetName.isEmpty { try dataset.addMetaString("target_name", targetName) }
        if let numClasses, numClasses != 0 { try dataset.addMetaScalar("num_classes", Int64(numClasses)) }
        try client.putDataset(dataset)
    }

    /// Reads the description published for ``listName`` and adopts its fields.
    ///
    /// - Throws: the client's error when the dataset is missing or unreadable; the values
    ///   are then unchanged.
    public mutating func download(from client: Client) throws(ClientError) {
        let dataset = try client.getDataset(datasetName)
        guard let sample = try dataset.metaStrings("sample_name").first else {
            throw ClientError(.keyNotFound, "The dataset \(datasetName) has no sample_name.")
        }
        sampleName = sample
        if dataset.hasField("target_name") { targetName = try dataset.metaStrings("target_name").first }
        if dataset.hasField("num_classes") { numClasses = try dataset.metaScalars("num_classes", as: Int64.self).first.map(Int.init) }
    }
}
