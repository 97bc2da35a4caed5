import Foundation
import Glibc
import TandemExperiment
import TandemTesting

/// Process checks by pid.
enum Processes {
    /// Whether `pid` is a live process (a zombie — dead, waiting to be reaped by whoever
    /// inherited it — counts as gone).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }

    /// Waits up to `timeout` until `pid` is gone.
    static func waitUntilGone(_ pid: pid_t, timeout: Duration = .seconds(5)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isAlive(pid) {
            if ContinuousClock.now > deadline { return false }
            usleep(5_000)
        }
        return true
    }
}

/// A fresh experiment in a temporary directory.
func makeExperiment(_ name: String = "test") throws -> (experiment: Experiment, directory: URL) {
    let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "experiment")
    return (try Experiment(name: name, directory: directory), directory)
}
