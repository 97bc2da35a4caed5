import Foundation

/// A Slurm job's state as `squeue` and `scontrol show job` print it, reduced to what a
/// launcher needs.
enum SlurmJobState: Sendable, Equatable {
    /// Waiting for resources (PENDING, CONFIGURING, SUSPENDED, REQUEUED, …).
    case pending
    /// Running, or ending (RUNNING, COMPLETING, STAGE_OUT).
    case running
    /// Over: Slurm's state name (COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, …) and
    /// the exit code and signal `scontrol` reports, when it does.
    case ended(String, exitCode: Int32?, signal: Int32?)

    /// The state for Slurm's name of it (`CANCELLED by 0` and `CANCELLED+` included).
    init(name: String, exitCode: Int32? = nil, signal: Int32? = nil) {
        let word = String(name.prefix { $0.isLetter || $0 == "_" })
        switch word {
        case "RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING": self = .running
        case "PENDING", "CONFIGURING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING",
             "RESV_DEL_HOLD", "PREEMPTED", "STOPPED", "SPECIAL_EXIT": self = .pending
        default: self = .ended(word, exitCode: exitCode, signal: signal)
        }
    }

    /// `squeue -h -o %i|%T` lines: job id → state.
    static func parseQueue(_ output: String) -> [String: SlurmJobState] {
        var states: [String: SlurmJobState] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count >= 2 else { continue }
            states[fields[0].trimmingCharacters(in: .whitespaces)] = SlurmJobState(name: String(fields[1]))
        }
        return states
    }

    /// The state in `scontrol show job` output (`JobState=COMPLETED … ExitCode=0:0`), or
    /// `nil` when there is none (Slurm forgot the job).
    static func parseJob(_ output: String) -> SlurmJobState? {
        var fields: [String: String] = [:]
        for word in output.split(whereSeparator: { $0 == " " || $0.isNewline }) {
            guard let equals = word.firstIndex(of: "=") else { continue }
            let key = String(word[..<equals])
            if fields[key] == nil { fields[key] = String(word[word.index(after: equals)...]) }
        }
        guard let state = fields["JobState"] else { return nil }
        var code: Int32?, signal: Int32?
        if let exit = fields["ExitCode"] {
            let parts = exit.split(separator: ":")
            code = parts.first.flatMap { Int32($0) }
            signal = parts.count > 1 ? Int32(parts[1]) : nil
        }
        return SlurmJobState(name: state, exitCode: code, signal: signal)
    }
}
