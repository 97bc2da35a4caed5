import RESP
import TandemExperiment

extension Report {
    /// What one database node held when the run looked: its role, its slots and its keys by
    /// kind. For a sharded database the rows show where the simulations' datasets, the
    /// training batches and the model copies (one per shard) live.
    public struct DatabaseNodeContents: Sendable, Equatable {
        /// The node's job name (`orchestrator_1`).
        public var name: String
        /// Its address.
        public var address: String
        /// `master`, `replica of <address>`, or `standalone`.
        public var role: String
        /// Its slot ranges (`0-5460`); empty for a replica or a standalone server.
        public var slots: [String]
        /// Keys of every kind.
        public var keys: Int
        /// Datasets (Redis hashes: a dataset's metadata).
        public var datasets: Int
        /// Tensors (`AI_TENSOR` keys: dataset members and training batches).
        public var tensors: Int
        /// Models (`AI__MODEL` keys: each checkpoint, or its per-shard copy).
        public var models: Int

        /// A row; see the properties.
        public init(name: String, address: String, role: String, slots: [String], keys: Int, datasets: Int, tensors: Int, models: Int) {
            self.name = name
            self.address = address
            self.role = role
            self.slots = slots
            self.keys = keys
            self.datasets = datasets
            self.tensors = tensors
            self.models = models
        }
    }
}

/// Surveys a running database node by node, for the report.
enum DatabaseLayout {
    /// Each node's role, slots and keys by kind; a node that does not answer is left out.
    static func survey(_ database: Orchestrator) -> [Report.DatabaseNodeContents] {
        let connect = { (address: String) in try DatabaseConnection(address: address, password: database.password) }
        let cluster = database.isCluster ? (try? connect(database.address).clusterNodes()) ?? nil : nil
        return database.nodes.compactMap { node in
            guard let connection = try? connect(node.address), let keys = try? connection.keys() else { return nil }
            func count(_ type: String) -> Int { (try? connection.keys(type: type).count) ?? 0 }
            var role = "standalone", slots: [String] = []
            if let entry = cluster?.first(where: { $0.address == node.address }) {
                role = entry.isMaster ? "master" : "replica of " + (cluster?.first { $0.id == entry.masterID }?.address ?? "?")
                slots = entry.slots
            }
            return Report.DatabaseNodeContents(
                name: node.name, address: node.address, role: role, slots: slots, keys: keys.count,
                datasets: count("hash"), tensors: count("AI_TENSOR"), models: count("AI__MODEL"))
        }
    }
}
