import ArgumentParser
import Foundation
import TandemExperiment

/// `tandem stop`: shut a database down; for a Redis Cluster, every node of it.
struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Shut a database down, every node of a cluster (each saves first when persistence is on).")

    @OptionGroup var target: AddressOptions

    @Option(help: "Seconds to wait until it no longer answers.")
    var timeout = 10.0

    func validate() throws {
        guard timeout.isFinite, (0...3600).contains(timeout) else { throw ValidationError("--timeout must be 0…3600 seconds") }
    }

    func run() throws {
        let address = target.resolved
        StaleRuns.report(address: address)
        let connection = try target.connection()
        // Replicas first, so that no replica is promoted while its master goes down.
        let nodes = try reportingErrors { try connection.clusterNodes() }?.reversed().map(\.address) ?? [address]
        try reportingErrors {
            for node in nodes {
                try (node == address ? connection : target.connection(to: node)).shutdown()
            }
            let deadline = Date().addingTimeInterval(timeout)
            for node in nodes {
                while (try? DatabaseConnection(address: node, timeoutMilliseconds: 200)) != nil {
                    guard Date() < deadline else {
                        throw ExperimentError(.timeout, "\(node) still answers after \(timeout) s")
                    }
                    usleep(20_000)
                }
            }
        }
        print(nodes.count == 1 ? "Database \(address) stopped." : "Database stopped: \(nodes.joined(separator: ", ")).")
        StaleRuns.forgetSettled()
    }
}
