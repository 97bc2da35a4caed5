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

    /// The live processes of process group `group` that started no earlier than `ticks`: what
    /// is left of a job whose leader may be gone (its grandchildren keep the group). A group's
    /// number cannot be given to a new process while any member lives, so these are the job's.
    static func members(ofGroup group: Int32, startedSince ticks: UInt64) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // fields[0] state, fields[2] process group, fields[19] start time.
            guard fields.count > 19, fields[0] != "Z", fields[0] != "X", Int32(fields[2]) == group,
                  let start = UInt64(fields[19]) else { return false }
            return start >= ticks
        }.sorted()
    }
}
