import Foundation
import Testing
import RESP
import TandemClient
import TandemTensor
import TandemTesting

/// TorchScript scripts on a real 3-shard cluster whose every shard has the TORCH backend:
/// one copy per shard, as for models, and runs next to the first input's shard.
@Suite struct ClusterScriptsTests {
    @Test func scriptsHaveOneCopyPerShardAndRunNextToTheirInput() throws {
        let fixtures = try TorchFixtures.make()
        let cluster = try Peers.moduleCluster(["TORCH", try Peers.torchBackend()])
        defer { cluster.stop() }
        let client = try cluster.client()
        let source = String(decoding: try fixtures.file("script.py"), as: UTF8.self)
        try client.setScript("s1", source: source)
        for (shard, node) in zip(client.shards, cluster.masters) {
            #expect(try cluster.exists(shard.prefixedKey(Array("s1".utf8)), onPort: node.server.port), "a copy on \(shard.address)")
        }
        #expect(try client.getScript("s1") == source)

        let p = fixtures.inputs["bar"]![0], q = fixtures.inputs["bar"]![1]
        func tensor(_ fixture: TorchFixtures.Tensor) throws -> Tensor {
            try Tensor(dtype: try #require(DType(rawValue: fixture.dtype)), shape: fixture.shape, bytes: fixture.bytes)
        }
        // A first input on every shard, the second and the output elsewhere.
        let firsts = keysOnEveryShard(client, stem: "p_").map { $0[0] }
        for (index, first) in firsts.enumerated() {
            let second = firsts[(index + 1) % firsts.count] + "_q", output = firsts[(index + 2) % firsts.count] + "_r"
            try client.putTensor(first, try tensor(p))
            try client.putTensor(second, try tensor(q))
            try client.runScript("s1", function: "bar", inputs: [first, second], outputs: [output])
            let result = try client.getTensor(output)
            #expect(TorchFixtures.maximumDifference(fixtures.outputs["bar"]![0], dtype: result.dtype.rawValue,
                                                    shape: result.shape, bytes: result.bytes) <= 1e-6)
        }

        try client.deleteScript("s1")
        for (shard, node) in zip(client.shards, cluster.masters) {
            #expect(try !cluster.exists(shard.prefixedKey(Array("s1".utf8)), onPort: node.server.port))
        }
    }
}
