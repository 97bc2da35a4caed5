import Foundation
import Glibc

/// A Slurm job's or step's state as `squeue`, `scontrol show job` and `sacct` print it,
/// reduced to what a launcher needs.
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

    /// How an ended job or step ended, as the launcher reports it: a signal Slurm recorded, else
    /// the exit code (COMPLETED, or a non-zero code); an end with neither (a time limit, a
    /// node failure, a cancellation before the tasks ran) counts as killed. `nil` unless ended.
    var termination: Termination? {
        guard case .ended(let name, let code, let signal) = self else { return nil }
        if let signal, signal > 0 { return .signalled(signal: signal) }
        if name == "COMPLETED" { return .exited(code: code ?? 0) }
        if let code, code != 0 { return .exited(code: code) }
        return .signalled(signal: SIGKILL)
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
        let (code, signal) = fields["ExitCode"].map(exitCodeAndSignal) ?? (nil, nil)
        return SlurmJobState(name: state, exitCode: code, signal: signal)
    }

    /// `sacct -P -n --format=JobID,State,ExitCode` lines (`12`, `12.batch`, `12.0`, each with
    /// its state and `code:signal`): job or step id → state.
    static func parseAccounting(_ output: String) -> [String: SlurmJobState] {
        var states: [String: SlurmJobState] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count >= 3 else { continue }
            let id = fields[0].trimmingCharacters(in: .whitespaces)
            let name = fields[1].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty, !name.isEmpty else { continue }
            let (code, signal) = exitCodeAndSignal(String(fields[2]))
            states[id] = SlurmJobState(name: name, exitCode: code, signal: signal)
        }
        return states
    }

    /// Slurm's `ExitCode` (`code:signal`, e.g. `3:0` or `0:15`).
    private static func exitCodeAndSignal(_ text: String) -> (Int32?, Int32?) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":")
        return (parts.first.flatMap { Int32($0) }, parts.count > 1 ? Int32(parts[1]) : nil)
    }
}
