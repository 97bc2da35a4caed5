import Foundation

/// A process told apart from any later process that reuses its pid.
enum ProcessIdentity {
    /// The process's start time in clock ticks since boot, or `nil` when it does not exist
    /// (a zombie counts as gone).
    static func startTicks(of pid: Int32) -> UInt64? {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state, fields[19] the start time (fields 3 and 22 of proc(5)).
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return UInt64(fields[19])
    }

    static func isAlive(pid: Int32, startTicks: UInt64) -> Bool {
        Self.startTicks(of: pid) == startTicks
    }
}
