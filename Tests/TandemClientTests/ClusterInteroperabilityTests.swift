import Foundation
import Testing
import TandemClient
import TandemTesting

/// TandemClient and the real SmartRedis 0.6.1 Python client, both in cluster mode on a
/// local 3-shard cluster, read each other's tensors, datasets, aggregation lists and
/// models: a model stored by either runs from the other, through SmartRedis's per-shard
/// copies.
@Suite(.enabled(if: Peers.moduleTestsEnabled)) struct ClusterInteroperabilityTests {
    @Test func swiftReadsWhatPythonStoresOnACluster() throws {
        let cluster = try Peers.moduleCluster()
        try InteroperabilityTests.pythonWritesSwiftReads(
            tensors: true, prefix: nil,
            python: { try Peers.runPython("smartredis_peer.py", $0, cluster: cluster, environment: $1) },
            client: { try cluster.client(prefixes: $0) })
        try InteroperabilityTests.pythonWritesSwiftReads(
            tensors: true, prefix: "py_sim",
            python: { try Peers.runPython("smartredis_peer.py", $0, cluster: cluster, environment: $1) },
            client: { try cluster.client(prefixes: $0) })
    }

    @Test func pythonReadsWhatSwiftStoresOnACluster() throws {
        let cluster = try Peers.moduleCluster()
        try InteroperabilityTests.swiftWritesPythonReads(
            tensors: true, prefix: nil,
            python: { try Peers.runPython("smartredis_peer.py", $0, cluster: cluster, environment: $1) },
            client: { try cluster.client(prefixes: $0) })
        try InteroperabilityTests.swiftWritesPythonReads(
            tensors: true, prefix: "sw_sim",
            python: { try Peers.runPython("smartredis_peer.py", $0, cluster: cluster, environment: $1) },
            client: { try cluster.client(prefixes: $0) })
    }

    @Test func aModelStoredByPythonRunsFromSwift() throws {
        let cluster = try Peers.moduleCluster()
        let model = try Peers.doublingModel()
        let stored = try Peers.runPython("smartredis_models_peer.py", ["set-model", "py_double", model.path], cluster: cluster)
        #expect(stored.contains("py_double"))
        let client = try cluster.client()
        #expect(try client.modelExists("py_double"))
        #expect(try client.getModel("py_double") == model.bytes)
        for (index, input) in keysOnEveryShard(client, stem: "x").map({ $0[0] }).enumerated() {
            try client.putTensor(input, [1, 2, 3, Float(index)], shape: [1, 4])
            try client.runModel("py_double", inputs: [input], outputs: ["y_\(index)"])
            #expect(try client.getTensor("y_\(index)", as: Float.self).scalars == [2, 4, 6, Float(2 * index)])
        }
    }

    @Test func aModelStoredBySwiftRunsFromPython() throws {
        let cluster = try Peers.moduleCluster()
        let model = try Peers.doublingModel()
        let client = try cluster.client()
        try client.setModel("sw_double", model: model.bytes, backend: .onnx)
        let exists = try Peers.runPython("smartredis_models_peer.py", ["exists", "sw_double"], cluster: cluster)
        #expect(exists.contains("true"))
        let fetched = try Peers.runPython("smartredis_models_peer.py", ["get-model", "sw_double"], cluster: cluster)
        #expect(fetched.contains(model.bytes.hexString))
        for (index, input) in keysOnEveryShard(client, stem: "px").map({ $0[0] }).enumerated() {
            let output = try Peers.runPython("smartredis_models_peer.py", ["run", "sw_double", input, "py_y_\(index)", "1", "2", "3", "\(index)"],
                                             cluster: cluster)
            struct Output: Decodable { var output: [Float] }
            #expect(try JSONDecoder().decode(Output.self, from: Data(output.utf8)).output == [2, 4, 6, Float(2 * index)])
            #expect(try client.getTensor("py_y_\(index)", as: Float.self).scalars == [2, 4, 6, Float(2 * index)],
                    "the output SmartRedis copied back is where Swift reads it")
        }
    }
}
