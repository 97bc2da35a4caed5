import ArgumentParser
import Foundation
import TandemExperiment

/// `tandem status`: is a database up, and with TandemAI? For a Redis Cluster, every node.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Check a database: exit code 0 when it answers with TandemAI loaded (on every node of a cluster).")

    @OptionGroup var target: AddressOptions

    func run() throws {
        let address = target.resolved
        StaleRuns.report(address: address)
        let connection = try target.connection()
        guard let nodes = try reportingErrors({ try connection.clusterNodes() }) else {
            try show(address: address, status: reportingErrors { try connection.status() })
            return
        }
        let state = try reportingErrors { try connection.clusterState() }
        let masters = nodes.filter(\.isMaster).count
        print("cluster:   \(state), \(masters) shard(s), \(nodes.count - masters) replica(s)")
        var healthy = state == "ok"
        for node in nodes {
            let role = node.isMaster ? "master, slots \(node.slots.joined(separator: " "))"
                : "replica of \(nodes.first { $0.id == node.masterID }?.address ?? node.masterID ?? "?")"
            print("\nnode:      \(node.address), \(role)\(node.isFailing ? ", FAILING" : "")")
            do {
                let status = try target.connection(to: node.address).status()
                healthy = try show(address: node.address, status: status) && healthy
            } catch {
                print("           does not answer: \(error)")
                healthy = false
            }
        }
        guard healthy else { throw ExitCode.failure }
    }

    /// Prints one server's status; `false` (with the reason on standard error) when TandemAI is missing.
    @discardableResult
    private func show(address: String, status: DatabaseStatus) throws -> Bool {
        print("""
            address:   \(address)
            redis:     \(status.redisVersion) (pid \(status.processID), up \(status.uptimeSeconds) s)
            keys:      \(status.keyCount)
            memory:    \(status.usedMemory)
            """)
        for module in status.modules {
            print("module:    \(module.name) v\(module.version) \(module.path) \(module.arguments.joined(separator: " "))")
        }
        if !status.hasTandemAI {
            FileHandle.standardError.write(Data("tandem: the TandemAI module (ai) is not loaded at \(address)\n".utf8))
        }
        return status.hasTandemAI
    }
}
