import TandemClient
import TandemTensor

/// Puts training batches in the database for a ``DataDownloader`` (SmartSim's
/// `TrainingDataUploader`): each batch becomes the dataset `training_samples_⟨batch⟩` (or
/// `training_samples_⟨rank⟩_⟨batch⟩` with a rank) holding the sample and target tensors, and
/// is appended to the aggregation list. With `SSKEYOUT` set, every key carries the
/// producer's prefix, so several uploaders never collide.
///
/// ```swift
/// let uploader = try TrainingDataUploader(client: client)
/// try uploader.publishInfo()
/// try uploader.putBatch(samples: x, targets: y)
/// ```
public final class TrainingDataUploader {
    /// The database client.
    public let client: Client
    /// The list and tensor names.
    public let info: DataInfo
    /// The uploader's rank among several uploaders of one producer, if any.
    public let rank: Int?
    /// The index the next batch gets; starts at 0.
    public private(set) var batchIndex = 0

    /// Creates an uploader.
    ///
    /// - Throws: ``ClientError`` (invalid argument) for an empty list or sample name.
    public init(client: Client, info: DataInfo = DataInfo(), rank: Int? = nil) throws(ClientError) {
        guard !info.listName.isEmpty else { throw ClientError(.invalidArgument, "The training data list name must not be empty.") }
        guard !info.sampleName.isEmpty else { throw ClientError(.invalidArgument, "The sample tensor name must not be empty.") }
        self.client = client
        self.info = info
        self.rank = rank
    }

    /// Publishes the ``DataInfo`` that downloaders read first.
    public func publishInfo() throws(ClientError) {
        try info.publish(to: client)
    }

    /// The dataset name of batch `index`.
    public func datasetName(batch index: Int) -> String {
        ["training_samples", rank.map(String.init), String(index)].compactMap { $0 }.joined(separator: "_")
    }

    /// Uploads one batch: samples (first dimension = batch size) and, when the info has
    /// separate targets, targets; then appends it to the list.
    ///
    /// - Returns: the batch's dataset name.
    @discardableResult
    public func putBatch(samples: Tensor, targets: Tensor? = nil) throws(ClientError) -> String {
        var dataset = Dataset(name: datasetName(batch: batchIndex))
        try dataset.addTensor(info.sampleName, samples)
        if let targets, info.hasTargets, let targetName = info.targetName {
            try dataset.addTensor(targetName, targets)
        }
        try client.putDataset(dataset)
        _ = try client.appendToList(info.listName, dataset: dataset)
        batchIndex += 1
        return dataset.name
    }
}
