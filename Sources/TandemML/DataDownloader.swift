import Foundation
import TandemClient
import TandemTensor

/// Downloads training batches that ``TrainingDataUploader``s (or SmartSim's Python ones)
/// put in the database, and serves them in shuffled mini-batches, epoch after epoch
/// (SmartSim's `DataDownloader` and its static and dynamic data generators).
///
/// Uploaders are found through the client's input prefixes (`SSKEYIN`): the list
/// `⟨prefix⟩.⟨listName⟩` of every one is read. In dynamic mode, every ``epoch()`` first
/// fetches what was appended since the last look, so the data set grows while the
/// simulations run. Replicas of a distributed trainer each take every
/// `replicaCount`-th batch. With ``Options/prefetch``, what arrives while an epoch trains is
/// downloaded meanwhile, on another thread with a client of its own.
///
/// ```swift
/// let downloader = try DataDownloader(client: client, listName: "training_data")
/// try downloader.waitForSamples()
/// for epoch in 0..<40 {
///     for batch in try downloader.epoch() { /* train on batch.samples, batch.targets */ }
/// }
/// ```
public final class DataDownloader {
    /// How batches are fetched and served.
    public struct Options: Sendable {
        /// Samples per mini-batch.
        public var batchSize: Int
        /// Whether every epoch first fetches newly uploaded batches.
        public var dynamic: Bool
        /// Whether samples are served in a new random order every epoch.
        public var shuffle: Bool
        /// This replica's rank among `replicaCount` trainers sharing the data.
        public var replicaRank: Int
        /// How many trainers share the data; each takes every `replicaCount`-th batch.
        public var replicaCount: Int
        /// Seed of the shuffling; `nil` for a random one.
        public var seed: UInt64?
        /// Whether, in dynamic mode, the data uploaded while an epoch's batches are in use is
        /// fetched in the background (by a second connection) rather than when the next
        /// epoch starts. The next epoch sees the same data either way.
        public var prefetch: Bool

        /// Creates options; the defaults are SmartSim's.
        public init(batchSize: Int = 32, dynamic: Bool = true, shuffle: Bool = true,
                    replicaRank: Int = 0, replicaCount: Int = 1, seed: UInt64? = nil, prefetch: Bool = true) {
            self.batchSize = batchSize
            self.dynamic = dynamic
            self.shuffle = shuffle
            self.replicaRank = replicaRank
            self.replicaCount = replicaCount
            self.seed = seed
            self.prefetch = prefetch
        }
    }

    /// One mini-batch: samples and, when the data has them, targets (for autoencoding
    /// data, whose target name is its sample name, the samples themselves).
    public struct Batch: Sendable {
        public let samples: Tensor
        public let targets: Tensor?
    }

    /// The database client; its data source is switched between uploaders while fetching.
    public let client: Client
    /// The names of the list and its tensors.
    public let info: DataInfo
    /// The options.
    public let options: Options
    /// The uploaders' key prefixes (`SSKEYIN`); `[""]` when there are none.
    public let sources: [String]

    private var nextIndices: [Int]
    private var samples = SampleBuffer()
    private var targets = SampleBuffer()
    private var order: [Int] = []
    private var generator: SeededGenerator
    /// The fetch running while an epoch's batches are used, if any.
    private var pending: BackgroundFetch?
    /// The background fetches' own connection, made on first use.
    private var prefetchClient: Client?

    /// Creates a downloader for the list `info` describes.
    ///
    /// - Throws: ``ClientError`` (invalid argument) for a batch size below 1 or a replica
    ///   rank outside `0..<replicaCount`.
    public init(client: Client, info: DataInfo, options: Options = Options()) throws(ClientError) {
        guard options.batchSize >= 1 else { throw ClientError(.invalidArgument, "The batch size must be at least 1 (got \(options.batchSize)).") }
        guard options.replicaCount >= 1, (0..<options.replicaCount).contains(options.replicaRank) else {
            throw ClientError(.invalidArgument, "The replica rank \(options.replicaRank) must be in 0..<\(options.replicaCount).")
        }
        self.client = client
        self.info = info
        self.options = options
        let inputs = client.configuration.keyPrefixes.inputs
        sources = inputs.isEmpty ? [""] : inputs
        nextIndices = Array(repeating: options.replicaRank, count: sources.count)
        generator = options.seed.map(SeededGenerator.init(seed:)) ?? SeededGenerator()
    }

    /// Creates a downloader for `listName`, reading its ``DataInfo`` from the first uploader.
    ///
    /// - Throws: the client's error when the info dataset cannot be read.
    public convenience init(client: Client, listName: String, options: Options = Options()) throws(ClientError) {
        var info = DataInfo(listName: listName)
        if let first = client.configuration.keyPrefixes.inputs.first {
            try client.setDataSource(first)
        }
        try info.download(from: client)
        try self.init(client: client, info: info, options: options)
    }

    /// Samples downloaded so far.
    public var sampleCount: Int { samples.count }

    /// Full mini-batches per epoch (a last partial batch is left out, as SmartSim does).
    public var batchCount: Int { samples.count / options.batchSize }

    /// Fetches what every uploader appended since the last look.
    ///
    /// - Returns: the number of new samples.
    @discardableResult
    public func update() throws(ClientError) -> Int {
        let before = samples.count
        if let pending {
            self.pending = nil
            try absorb(pending.finish())
        }
        try absorb(Self.fetch(client, sources: sources, listName: info.listName, from: nextIndices, every: options.replicaCount))
        let added = samples.count - before
        if added > 0 { order += before..<samples.count }
        return added
    }

    /// The datasets appended to every source's list from `nextIndices` on (every `step`-th).
    private static func fetch(_ client: Client, sources: [String], listName: String, from nextIndices: [Int],
                              every step: Int) throws(ClientError) -> FetchedData {
        var fetched = FetchedData(nextIndices: nextIndices)
        for (u, source) in sources.enumerated() {
            if !source.isEmpty {
                client.useListEnsemblePrefix(true)
                try client.setDataSource(source)
            }
            let length = try client.getListLength(listName)
            guard length > nextIndices[u] else { continue }
            let indices = Array(stride(from: nextIndices[u], to: length, by: step))
            if step == 1 {
                fetched.datasets += try client.getDatasetListRange(listName, start: indices.first!, end: indices.last!)
            } else {
                for i in indices { fetched.datasets += try client.getDatasetListRange(listName, start: i, end: i) }
            }
            fetched.nextIndices[u] = indices.last! + step
        }
        return fetched
    }

    private func absorb(_ fetched: FetchedData) throws(ClientError) {
        for dataset in fetched.datasets { try add(dataset) }
        nextIndices = fetched.nextIndices
    }

    /// Starts fetching, on another thread, what arrives while the current epoch is used.
    private func startPrefetch() throws(ClientError) {
        let client: Client
        if let existing = prefetchClient {
            client = existing
        } else {
            client = try Client(configuration: self.client.configuration)
            prefetchClient = client
        }
        let sources = sources, listName = info.listName, step = options.replicaCount
        pending = BackgroundFetch(from: nextIndices) { from throws(ClientError) in
            try Self.fetch(client, sources: sources, listName: listName, from: from, every: step)
        }
    }

    /// Waits until at least one full mini-batch is available, fetching every `interval`.
    ///
    /// - Parameters:
    ///   - tries: fetches before giving up; `nil` waits forever.
    ///   - interval: seconds between fetches.
    /// - Throws: ``ClientError`` (timeout) when the tries run out, or the client's error.
    public func waitForSamples(tries: Int? = nil, interval: Double = 10) throws(ClientError) {
        var attempt = 0
        while true {
            try update()
            if samples.count >= options.batchSize { break }
            attempt += 1
            if let tries, attempt >= tries {
                throw ClientError(.timeout, "Could not download a full batch of \(options.batchSize) samples from '\(info.listName)' in \(tries) tries (\(samples.count) samples so far).")
            }
            Thread.sleep(forTimeInterval: max(0, interval))
        }
        if options.shuffle { order.shuffle(using: &generator) }
    }

    /// One epoch's mini-batches: in dynamic mode new data is fetched first; with shuffling
    /// the order is new every epoch. Batches are gathered when they are used.
    public func epoch() throws(ClientError) -> Epoch {
        if options.dynamic { try update() }
        if options.shuffle { order.shuffle(using: &generator) }
        let targetBuffer = info.hasTargets ? targets : (info.targetName == info.sampleName ? samples : nil)
        let epoch = Epoch(samples: samples, targets: targetBuffer, order: order, batchSize: options.batchSize)
        if options.dynamic && options.prefetch { try startPrefetch() }
        return epoch
    }

    private func add(_ dataset: Dataset) throws(ClientError) {
        let x = try dataset.tensor(info.sampleName)
        if info.hasTargets, let targetName = info.targetName {
            let y = try dataset.tensor(targetName)
            guard y.shape.first == x.shape.first else {
                throw ClientError(.invalidArgument, "Batch \(dataset.name) has \(x.shape.first ?? 0) samples but \(y.shape.first ?? 0) targets.")
            }
            try targets.append(y, name: targetName)
        }
        try samples.append(x, name: info.sampleName)
    }
}
