import Foundation
import TandemExperiment
import TandemTesting

extension LocalSlurm {
    /// A launcher with an allocation of its own (at most 10 minutes).
    static func launcher(shareCPUs: Bool = true) throws -> SlurmLauncher {
        try SlurmLauncher(allocation: .obtain(.init(timeLimit: .seconds(600))), shareCPUs: shareCPUs)
    }
}
