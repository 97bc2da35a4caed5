import Foundation

/// The `srun` command line of one step, and the files it writes beside the step's output.
///
/// Every step gets:
/// - `--job-name` (the job's name), and `--jobid` when it runs in a known allocation;
/// - one node and one task unless the resources say otherwise, so a step never takes its
///   size from `SLURM_NTASKS` or `SLURM_NNODES` left in the driver's environment by `sbatch`
///   or `salloc`;
/// - `--overlap --overcommit` when steps share the allocation's CPUs (the default), so a
///   database, simulations and a trainer run side by side in a small allocation, as local
///   processes share a machine;
/// - `--output`/`--error` to the step's `.out`/`.err` files (the tasks' streams), and `-v`,
///   whose `launching StepId=…` line in srun's own log (``srunLog(for:)``) names the step;
/// - for MPMD, `--multi-prog` with a configuration file of one line per program.
struct SrunCommand: Sendable {
    var step: LaunchStep
    /// The allocation's job id, or `nil` inside a batch script (srun finds the job there).
    var allocation: String?
    var shareCPUs: Bool

    /// srun's own messages (options, `launching StepId=…`, errors): `<name>.srun` beside `.out`.
    static func srunLog(for step: LaunchStep) -> URL {
        step.outputFile.deletingLastPathComponent().appendingPathComponent("\(step.name).srun")
    }

    /// The MPMD configuration file: `<name>.mpmd` beside `.out`.
    static func multiProgramFile(for step: LaunchStep) -> URL {
        step.outputFile.deletingLastPathComponent().appendingPathComponent("\(step.name).mpmd")
    }

    /// Checks what srun cannot express before anything runs.
    func validate() throws(ExperimentError) {
        try step.resources.validate(for: step.name)
        for program in step.mpmd where program.tasks < 1 {
            throw ExperimentError(.invalidDeclaration, "\(step.name): every MPMD program needs at least 1 task")
        }
        if !step.mpmd.isEmpty, step.resources.tasksPerNode != nil {
            throw ExperimentError(.invalidDeclaration,
                "\(step.name): an MPMD step counts tasks per program; give resources.tasks, not tasksPerNode")
        }
    }

    /// The tasks of the step's first program.
    private var firstTasks: Int { step.resources.tasks ?? max(1, step.resources.nodes ?? 1) }

    /// The arguments after `srun`.
    var arguments: [String] {
        var words = ["-v", "--job-name=\(step.name)"]
        if let allocation { words.append("--jobid=\(allocation)") }
        if shareCPUs { words += ["--overlap", "--overcommit"] }
        var resources = step.resources
        if resources.nodes == nil { resources.nodes = 1 }
        if step.mpmd.isEmpty {
            if resources.tasks == nil && resources.tasksPerNode == nil { resources.tasks = resources.nodes }
        } else {
            resources.tasks = firstTasks + step.mpmd.map(\.tasks).reduce(0, +)
        }
        words += SlurmOptions.options(for: resources)
        words += ["--chdir=\(step.workingDirectory.path)", "--output=\(step.outputFile.path)",
                  "--error=\(step.errorFile.path)"]
        if step.mpmd.isEmpty {
            words += [step.executable] + step.arguments
        } else {
            words += ["--multi-prog", Self.multiProgramFile(for: step).path]
        }
        return words
    }

    /// The `--multi-prog` file: task ranks, then the program; programs after the first run
    /// under `env` with their environment's differences from the first's.
    var multiProgramConfiguration: String {
        var lines: [String] = []
        var rank = 0
        func ranks(_ count: Int) -> String {
            defer { rank += count }
            return count == 1 ? "\(rank)" : "\(rank)-\(rank + count - 1)"
        }
        lines.append(ranks(firstTasks) + " " + ([step.executable] + step.arguments).map(SlurmOptions.shellQuoted).joined(separator: " "))
        for program in step.mpmd {
            let changes = SlurmOptions.environmentChanges(from: step.environment, to: program.environment)
            let words = (changes.isEmpty ? [] : ["env"] + changes) + [program.executable] + program.arguments
            lines.append(ranks(program.tasks) + " " + words.map(SlurmOptions.shellQuoted).joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The step id (`<job>.<step>`) from srun's log, once srun has launched the step.
    static func stepID(inLog log: String) -> String? {
        guard let range = log.range(of: "launching StepId=") else { return nil }
        let id = log[range.upperBound...].prefix { !$0.isWhitespace }
        return id.isEmpty ? nil : String(id)
    }

    /// srun's own errors in its log (Slurm's words for a refused step), without the lines
    /// that only report how tasks ended.
    static func errors(inLog log: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { line in
            (line.hasPrefix("srun: error:") || line.hasPrefix("srun: fatal:"))
                && !line.contains(": task ") && !line.contains("Terminated")
        }
    }
}
