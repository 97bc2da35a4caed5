import Foundation
import TandemExperiment
import TandemTesting

extension LocalSlurm {
    /// A launcher with an allocation of its own (at most 10 minutes).
    static func launcher(shareCPUs: Bool = true) throws -> SlurmLauncher {
        try SlurmLauncher(allocation: .obtain(.init(timeLimit: .seconds(600))), shareCPUs: shareCPUs)
    }

    /// A launcher with an allocation of `nodes` nodes of the partition `hosts`, each a host of
    /// its own (a network namespace), at most 10 minutes.
    static func hostsLauncher(nodes: Int) throws -> SlurmLauncher {
        try SlurmLauncher(allocation: .obtain(.init(nodes: nodes, timeLimit: .seconds(600), partition: "hosts")))
    }
}
