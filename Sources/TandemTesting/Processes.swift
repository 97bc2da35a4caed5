import Foundation
import Glibc

/// Process checks by pid.
public enum Processes {
    /// Whether `pid` is a live process (a zombie — dead, waiting to be reaped by whoever
    /// inherited it — counts as gone).
    public static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }

    /// Waits up to `timeout` (generous: a loaded machine is slow) until `pid` is gone.
    public static func waitUntilGone(_ pid: pid_t, timeout: Duration = .seconds(30)) -> Bool {
        waitFor(timeout: timeout) { isAlive(pid) ? nil : true } ?? false
    }

    /// Polls `probe` until it gives a value or `timeout` passes.
    public static func waitFor<T>(timeout: Duration, _ probe: () -> T?) -> T? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = probe() { return value }
            if ContinuousClock.now > deadline { return nil }
            usleep(5_000)
        }
    }

    /// The live children of `parent` whose command name (`/proc/<pid>/comm`) is `name`.
    public static func children(of parent: pid_t, named name: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")"),
                  let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == parent && comm.trimmingCharacters(in: .newlines) == name
        }
    }

    /// The live processes of process group `group`.
    public static func members(ofGroup group: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && fields[0] != "Z" && pid_t(fields[2]) == group
        }
    }
}
