import Foundation

/// Slurm's command-line options for resources, shared by `srun`, `sbatch` and `salloc`.
enum SlurmOptions {
    /// A duration as Slurm's `days-hours:minutes:seconds`, rounded up to whole seconds.
    static func time(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let total = max(1, seconds + (attoseconds > 0 ? 1 : 0))
        let days = total / 86_400, hours = total / 3600 % 24, minutes = total / 60 % 60, rest = total % 60
        return String(format: "%lld-%02lld:%02lld:%02lld", days, hours, minutes, rest)
    }

    /// The options for `resources`, in a fixed order, each as one `--name=value` word.
    static func options(for resources: JobResources) -> [String] {
        var options: [String] = []
        if let nodes = resources.nodes { options.append("--nodes=\(nodes)") }
        if let tasks = resources.tasks { options.append("--ntasks=\(tasks)") }
        if let perNode = resources.tasksPerNode { options.append("--ntasks-per-node=\(perNode)") }
        if let cpus = resources.cpusPerTask { options.append("--cpus-per-task=\(cpus)") }
        if let limit = resources.timeLimit { options.append("--time=\(Self.time(limit))") }
        if let partition = resources.partition { options.append("--partition=\(partition)") }
        if let account = resources.account { options.append("--account=\(account)") }
        if !resources.nodeList.isEmpty { options.append("--nodelist=\(resources.nodeList.joined(separator: ","))") }
        return options + resources.launcherArguments
    }

    /// A word for a POSIX shell (and for `srun --multi-prog` files): single-quoted unless it
    /// is made only of characters no shell treats specially.
    static func shellQuoted(_ word: String) -> String {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
        if !word.isEmpty, word.unicodeScalars.allSatisfy(plain.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The `env` words that turn environment `base` into `target`: `-u NAME` for each
    /// variable dropped, `NAME=value` for each added or changed, sorted.
    static func environmentChanges(from base: [String: String], to target: [String: String]) -> [String] {
        let removed = base.keys.filter { target[$0] == nil }.sorted().flatMap { ["-u", $0] }
        let changed = target.filter { base[$0.key] != $0.value }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return removed + changed
    }
}
