import Foundation
import Glibc
import TandemExperiment
import TandemTesting

/// A fresh experiment in a temporary directory.
func makeExperiment(_ name: String = "test") throws -> (experiment: Experiment, directory: URL) {
    let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "experiment")
    return (try Experiment(name: name, directory: directory), directory)
}
