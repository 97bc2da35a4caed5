import Foundation
import Testing
import TandemClient
import TandemML
import TandemTensor
import TandemTesting

/// SmartSim's ML data conventions on a local 3-shard Redis Cluster: uploaders and the
/// downloader are cluster clients built from the environment as ensemble members get it
/// (`SSDB` = every shard, `SR_DB_TYPE=Clustered`), and the batches, spread over the shards
/// by their dataset names, all come back once per epoch.
@Suite(.enabled(if: Peers.moduleTestsEnabled)) struct ClusterDownloadTests {
    @Test func theDownloaderReadsBatchesFromEveryShard() throws {
        let cluster = try Peers.moduleCluster()
        func client(keyOut: String? = nil, keyIn: [String] = []) throws -> Client {
            var environment = ["SSDB": cluster.ssdb, "SR_DB_TYPE": "Clustered"]
            if let keyOut { environment["SSKEYOUT"] = keyOut }
            if !keyIn.isEmpty { environment["SSKEYIN"] = keyIn.joined(separator: ",") }
            return try Client(configuration: ClientConfiguration(environment: environment))
        }
        var datasetShards = Set<ServerAddress>()
        for (p, producer) in ["sim_0", "sim_1"].enumerated() {
            let uploaderClient = try client(keyOut: producer)
            #expect(uploaderClient.isCluster)
            let uploader = try TrainingDataUploader(client: uploaderClient)
            if p == 0 { try uploader.publishInfo() }
            for b in 0..<6 {
                let first = 1000 * p + 5 * b
                let name = try uploader.putBatch(samples: identifiedSamples(first..<first + 5),
                                                 targets: identifiedSamples((first + 500)..<(first + 505)))
                if let shard = uploaderClient.shard(forKey: "{\(name)}") { datasetShards.insert(shard.address) }
            }
        }
        #expect(datasetShards.count >= 2, "the batches are spread over the shards")

        let downloader = try DataDownloader(client: client(keyIn: ["sim_0", "sim_1"]), listName: "training_data",
                                            options: .init(batchSize: 5, seed: 3))
        try downloader.waitForSamples(tries: 1, interval: 0)
        #expect(downloader.sampleCount == 60)
        let batches = try downloader.epoch()
        let seen = batches.flatMap { ids($0.samples) }
        #expect(seen.sorted() == ((0..<30).map { $0 } + (1000..<1030).map { $0 }).sorted(), "every sample once")
        for batch in batches {
            #expect(ids(batch.targets!) == ids(batch.samples).map { $0 + 500 }, "targets travel with their samples")
        }
    }
}
