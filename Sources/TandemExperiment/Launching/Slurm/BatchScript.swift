import Foundation

/// The `sbatch` script of a batch launch: one job whose steps are the members.
///
/// ```
/// #!/bin/bash
/// #SBATCH --job-name=fd_simulation
/// #SBATCH --output=…/fd_simulation.batch.out
/// #SBATCH --error=…/fd_simulation.batch.err
/// #SBATCH --nodes=1
/// <preamble>
/// { env SSKEYOUT=fd_simulation_0 srun -v --job-name=fd_simulation_0 … 2>'…/fd_simulation_0.srun'; echo $? >'…/fd_simulation_0.exit'; } &
/// …
/// wait
/// ```
///
/// Each member's step is started with its own environment's differences from the batch
/// job's, and writes srun's exit code (the highest of its tasks') to `<member>.exit`
/// beside its `.out` when it ends: without accounting storage Slurm forgets a finished
/// step at once, so that file is where the member's exit code is kept.
struct BatchScript: Sendable {
    var batch: BatchLaunch
    var shareCPUs: Bool

    /// The script file: `<name>.sbatch` in the batch's directory.
    var scriptFile: URL { batch.directory.appendingPathComponent("\(batch.name).sbatch") }
    /// The batch job's own output and error (the preamble's, the shell's).
    var outputFile: URL { batch.directory.appendingPathComponent("\(batch.name).batch.out") }
    var errorFile: URL { batch.directory.appendingPathComponent("\(batch.name).batch.err") }

    /// Where member `step` writes its exit code.
    static func exitFile(for step: LaunchStep) -> URL {
        step.outputFile.deletingLastPathComponent().appendingPathComponent("\(step.name).exit")
    }

    /// Checks the settings and every member before anything is written.
    func validate() throws(ExperimentError) {
        try batch.settings.resources.validate(for: batch.name)
        for step in batch.steps {
            try SrunCommand(step: step, allocation: nil, shareCPUs: shareCPUs).validate()
        }
        if batch.steps.contains(where: { !$0.mpmd.isEmpty }) {
            throw ExperimentError(.invalidDeclaration, "\(batch.name): MPMD members are not supported in a batch job")
        }
    }

    /// The script's text.
    var text: String {
        let quote = SlurmOptions.shellQuoted
        var lines = ["#!/bin/bash", "#SBATCH --job-name=\(batch.name)",
                     "#SBATCH --output=\(outputFile.path)", "#SBATCH --error=\(errorFile.path)"]
        lines += SlurmOptions.options(for: batch.settings.resources).map { "#SBATCH \($0)" }
        lines += batch.settings.preamble
        for step in batch.steps {
            let srun = SrunCommand(step: step, allocation: nil, shareCPUs: shareCPUs)
            let changes = SlurmOptions.environmentChanges(from: batch.environment, to: step.environment)
            let command = (changes.isEmpty ? [] : ["env"] + changes) + ["srun"] + srun.arguments
            lines.append("{ " + command.map(quote).joined(separator: " ")
                         + " 2>" + quote(SrunCommand.srunLog(for: step).path)
                         + "; echo $? >" + quote(Self.exitFile(for: step).path) + "; } &")
        }
        lines.append("wait")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The job id in `sbatch --parsable`'s answer (`<id>` or `<id>;<cluster>`).
    static func jobID(inParsableOutput output: String) -> String? {
        let first = output.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let id = first.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return !id.isEmpty && id.allSatisfy(\.isNumber) ? id : nil
    }
}
