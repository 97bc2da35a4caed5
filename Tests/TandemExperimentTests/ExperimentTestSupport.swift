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

    /// Waits up to `timeout` (generous: a loaded machine is slow) until `pid` is gone.
    static func waitUntilGone(_ pid: pid_t, timeout: Duration = .seconds(30)) -> Bool {
        waitFor(timeout: timeout) { isAlive(pid) ? nil : true } ?? false
    }

    /// Polls `probe` until it gives a value or `timeout` passes.
    static func waitFor<T>(timeout: Duration, _ probe: () -> T?) -> T? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = probe() { return value }
            if ContinuousClock.now > deadline { return nil }
            usleep(5_000)
        }
    }

    /// The live children of `parent` whose command name (`/proc/<pid>/comm`) is `name`.
    static func children(of parent: pid_t, named name: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")"),
                  let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == parent && comm.trimmingCharacters(in: .newlines) == name
        }
    }
}

/// A fresh experiment in a temporary directory.
func makeExperiment(_ name: String = "test") throws -> (experiment: Experiment, directory: URL) {
    let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "experiment")
    return (try Experiment(name: name, directory: directory), directory)
}
