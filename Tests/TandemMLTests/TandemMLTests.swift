import Foundation
import Testing
import RESP
import TandemClient
import TandemML
import TandemTensor
import TandemTesting

/// A `redis-server` with TandemAI and clients that act as ensemble members.
struct Database {
    let server: RedisServer

    init() throws {
        server = try Peers.moduleServer()
    }

    /// A client with SmartRedis's environment: standalone, with the given prefixes.
    func client(keyOut: String? = nil, keyIn: [String] = []) throws -> Client {
        var environment = ["SSDB": "127.0.0.1:\(server.port)", "SR_DB_TYPE": "Standalone"]
        if let keyOut { environment["SSKEYOUT"] = keyOut }
        if !keyIn.isEmpty { environment["SSKEYIN"] = keyIn.joined(separator: ",") }
        return try Client(configuration: ClientConfiguration(environment: environment))
    }
}

/// `count` samples of shape [count, 2, 2, 1] whose every element is the sample's id.
func identifiedSamples(_ ids: Range<Int>) -> Tensor {
    Tensor(shape: [ids.count, 2, 2, 1], scalars: ids.flatMap { Array(repeating: Float($0), count: 4) })
}

/// The sample ids in a batch tensor made by ``identifiedSamples(_:)``.
func ids(_ tensor: Tensor) -> [Int] {
    let values = tensor.scalars(as: Float.self)
    return stride(from: 0, to: values.count, by: 4).map { Int(values[$0]) }
}

@Suite struct TrainingDataUploaderTests {
    @Test func writesSmartSimsKeys() throws {
        let db = try Database()
        let uploader = try TrainingDataUploader(client: db.client(keyOut: "producer_1"),
                                                info: DataInfo(numClasses: 10), rank: 7)
        try uploader.publishInfo()
        let name = try uploader.putBatch(samples: identifiedSamples(0..<3),
                                         targets: Tensor(shape: [3], scalars: [0, 1, 2] as [Int64]))
        #expect(name == "training_samples_7_0")
        #expect(uploader.batchIndex == 1)
        let raw = try db.server.connect()
        let keys = Set(try raw.send("KEYS", "*").array!.compactMap(\.string))
        #expect(keys == ["producer_1.{training_data_info}.meta", "producer_1.{training_samples_7_0}.meta",
                         "producer_1.{training_samples_7_0}.samples", "producer_1.{training_samples_7_0}.targets",
                         "producer_1.training_data"])
        #expect(try raw.send("LRANGE", "producer_1.training_data", "0", "-1") == .array([.bulkString(Array("producer_1.{training_samples_7_0}".utf8))]))
        // The info's field encodings, byte for byte as the spec captured them.
        let info = try raw.send("HGET", "producer_1.{training_data_info}.meta", "num_classes")
        #expect(info == .bulkString([0x04, 0x0a, 0, 0, 0, 0, 0, 0, 0]))
        #expect(try raw.send("HGET", "producer_1.{training_data_info}.meta", "sample_name")
                == .bulkString([0x07, 0x07, 0, 0, 0, 0, 0, 0, 0] + Array("samples".utf8)))
    }

    @Test func refusesEmptyNames() throws {
        let db = try Database()
        #expect(throws: ClientError.self) { try TrainingDataUploader(client: db.client(), info: DataInfo(listName: "")) }
        #expect(throws: ClientError.self) { try TrainingDataUploader(client: db.client(), info: DataInfo(sampleName: "")) }
    }
}

@Suite struct DataDownloaderTests {
    /// Two producers with their own prefixes, each uploading batches of 5.
    func upload(_ db: Database, producers: [String], batches: Int, from start: Int = 0) throws {
        for (p, producer) in producers.enumerated() {
            let uploader = try TrainingDataUploader(client: db.client(keyOut: producer))
            if start == 0 { try uploader.publishInfo() }
            for b in 0..<batches {
                let first = 1000 * p + 5 * (start + b)
                // Uploaders number their batches from 0 per process; continue the numbering.
                for _ in 0..<(start + b - uploader.batchIndex) where start > 0 { _ = uploader.datasetName(batch: 0) }
                try uploader.putBatch(samples: identifiedSamples(first..<first + 5),
                                      targets: identifiedSamples((first + 500)..<(first + 505)))
            }
        }
    }

    @Test func seesEveryBatchOfEveryProducerOncePerEpoch() throws {
        let db = try Database()
        try upload(db, producers: ["sim_0", "sim_1"], batches: 3)
        let downloader = try DataDownloader(client: db.client(keyIn: ["sim_0", "sim_1"]), listName: "training_data",
                                            options: .init(batchSize: 4, seed: 1))
        try downloader.waitForSamples(tries: 1, interval: 0)
        #expect(downloader.sampleCount == 30)
        #expect(downloader.batchCount == 7)
        for _ in 0..<2 {
            let batches = try downloader.epoch()
            let seen = batches.flatMap { ids($0.samples) }
            #expect(seen.count == 28)
            #expect(Set(seen).count == 28)
            #expect(Set(seen).isSubset(of: Set((0..<15).map { $0 } + (1000..<1015).map { $0 })))
            for batch in batches {
                #expect(ids(batch.targets!) == ids(batch.samples).map { $0 + 500 }, "targets travel with their samples")
            }
        }
    }

    @Test func dynamicModeGrowsAsBatchesArrive() throws {
        let db = try Database()
        let downloader = try DataDownloader(client: db.client(keyIn: ["sim_0"]), info: DataInfo(),
                                            options: .init(batchSize: 5, seed: 2))
        #expect(throws: ClientError.self) { try downloader.waitForSamples(tries: 2, interval: 0.01) }
        let uploader = try TrainingDataUploader(client: db.client(keyOut: "sim_0"))
        try uploader.putBatch(samples: identifiedSamples(0..<5), targets: identifiedSamples(0..<5))
        try downloader.waitForSamples(tries: 1, interval: 0)
        #expect(try downloader.epoch().count == 1)
        try uploader.putBatch(samples: identifiedSamples(5..<10), targets: identifiedSamples(5..<10))
        let batches = try downloader.epoch()
        #expect(batches.count == 2)
        #expect(Set(batches.flatMap { ids($0.samples) }) == Set(0..<10))
    }

    @Test func staticModeKeepsItsFirstData() throws {
        let db = try Database()
        let uploader = try TrainingDataUploader(client: db.client(keyOut: "sim_0"))
        try uploader.putBatch(samples: identifiedSamples(0..<5), targets: identifiedSamples(0..<5))
        let downloader = try DataDownloader(client: db.client(keyIn: ["sim_0"]), info: DataInfo(),
                                            options: .init(batchSize: 5, dynamic: false))
        try downloader.waitForSamples(tries: 1, interval: 0)
        try uploader.putBatch(samples: identifiedSamples(5..<10), targets: identifiedSamples(5..<10))
        #expect(try downloader.epoch().count == 1)
    }

    @Test func replicasSplitTheBatches() throws {
        let db = try Database()
        try upload(db, producers: ["sim_0"], batches: 4)
        var shares: [Set<Int>] = []
        for rank in 0..<2 {
            let downloader = try DataDownloader(client: db.client(keyIn: ["sim_0"]), info: DataInfo(),
                                                options: .init(batchSize: 5, replicaRank: rank, replicaCount: 2))
            try downloader.update()
            shares.append(Set(try downloader.epoch().flatMap { ids($0.samples) }))
        }
        #expect(shares[0] == Set(0..<5).union(10..<15))
        #expect(shares[1] == Set(5..<10).union(15..<20))
    }

    @Test func batchesCopyIntoACallersBufferAsTheyGather() throws {
        let db = try Database()
        try upload(db, producers: ["sim_0"], batches: 3)
        let downloader = try DataDownloader(client: db.client(keyIn: ["sim_0"]), info: DataInfo(),
                                            options: .init(batchSize: 4, seed: 3))
        try downloader.update()
        let epoch = try downloader.epoch()
        #expect(epoch.count == 3, "15 samples make 3 full batches of 4")
        #expect(epoch.sampleType.dtype == .float && epoch.sampleType.shape == [2, 2, 1])
        #expect(epoch.sampleBytesPerBatch == 4 * 4 * 4 && epoch.targetBytesPerBatch == 4 * 4 * 4)
        var samples = [Float](repeating: -1, count: 16), targets = [Float](repeating: -1, count: 16)
        for b in epoch.indices {
            samples.withUnsafeMutableBytes { s in targets.withUnsafeMutableBytes { t in epoch.copy(b, samples: s, targets: t) } }
            #expect(samples == epoch[b].samples.scalars(as: Float.self))
            #expect(targets == epoch[b].targets!.scalars(as: Float.self))
            #expect(ids(epoch[b].targets!) == ids(epoch[b].samples).map { $0 + 500 })
        }
    }

    @Test func prefetchingSeesWhatArrivesDuringAnEpochOnce() throws {
        let db = try Database()
        let uploader = try TrainingDataUploader(client: db.client(keyOut: "sim_0"))
        try uploader.putBatch(samples: identifiedSamples(0..<5), targets: identifiedSamples(0..<5))
        let downloader = try DataDownloader(client: db.client(keyIn: ["sim_0"]), info: DataInfo(),
                                            options: .init(batchSize: 5, seed: 4, prefetch: true))
        try downloader.waitForSamples(tries: 1, interval: 0)
        var uploaded = 5
        for round in 0..<6 {
            let epoch = try downloader.epoch()
            #expect(epoch.count == uploaded / 5, "round \(round)")
            #expect(Set(epoch.flatMap { ids($0.samples) }) == Set(0..<uploaded), "round \(round)")
            // While the epoch is in use, new batches arrive (some rounds several, one none).
            for _ in 0..<(round % 3) {
                try uploader.putBatch(samples: identifiedSamples(uploaded..<(uploaded + 5)), targets: identifiedSamples(uploaded..<(uploaded + 5)))
                uploaded += 5
            }
        }
        try downloader.update()
        #expect(downloader.sampleCount == uploaded, "nothing fetched twice")
    }

    @Test func mismatchedBatchesAreAClearError() throws {
        let db = try Database()
        let uploader = try TrainingDataUploader(client: db.client(keyOut: "sim_0"))
        try uploader.putBatch(samples: identifiedSamples(0..<5), targets: identifiedSamples(0..<5))
        try uploader.putBatch(samples: Tensor(shape: [5, 3], scalars: [Float](repeating: 0, count: 15)),
                              targets: identifiedSamples(0..<5))
        let downloader = try DataDownloader(client: db.client(keyIn: ["sim_0"]), info: DataInfo())
        #expect(throws: ClientError.self) { try downloader.update() }
        #expect(throws: ClientError.self) { try DataDownloader(client: db.client(), info: DataInfo(), options: .init(batchSize: 0)) }
    }
}
