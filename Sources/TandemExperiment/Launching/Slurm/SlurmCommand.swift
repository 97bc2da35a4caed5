import CTandemSpawn
import Foundation
import Glibc

/// Runs one of Slurm's short commands (`squeue`, `scontrol`, `sbatch`, `salloc`, `scancel`)
/// to its end and captures what it printed.
///
/// The command is spawned like a job of the local launcher (its own process group, tied to
/// the driver by a parent-death signal, no descriptor of the driver leaked) with its output
/// in two temporary files, read back once it exits.
struct SlurmCommand: Sendable {
    /// What the command printed and how it ended.
    struct Result: Sendable {
        var status: Int32
        var output: String
        var error: String
        var succeeded: Bool { status == 0 }
        /// Standard error, else standard output, trimmed: Slurm's own words for a failure.
        var message: String {
            let text = error.trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? output.trimmingCharacters(in: .whitespacesAndNewlines) : text
        }
    }

    /// The program's path.
    var executable: String
    /// Its arguments.
    var arguments: [String]
    /// Its environment.
    var environment: [String: String]

    /// Runs the command and waits for it.
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/launchFailed`` when it cannot be started.
    func run(in directory: URL = URL(fileURLWithPath: "/")) throws(ExperimentError) -> Result {
        let base = FileManager.default.temporaryDirectory
            .appendingPathComponent("tandem-slurm-\(UUID().uuidString)").path
        let outputPath = base + ".out", errorPath = base + ".err"
        defer {
            unlink(outputPath)
            unlink(errorPath)
        }
        let (result, pid) = SpawnThread.shared.run { [executable, arguments, environment] () -> (Int32, pid_t) in
            let argv = ([executable] + arguments).map { strdup($0) } + [nil]
            let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                for pointer in argv { free(pointer) }
                for pointer in envp { free(pointer) }
            }
            var pid: pid_t = 0
            let result = CTandemSpawn_spawn(executable, argv, envp, directory.path, outputPath, errorPath, 0, SIGKILL, &pid)
            return (result, pid)
        }
        guard result == 0 else {
            throw ExperimentError(.launchFailed, "cannot run \(executable): \(String(cString: strerror(result)))")
        }
        var status: Int32 = 0
        var waited: pid_t
        repeat { waited = waitpid(pid, &status, 0) } while waited < 0 && errno == EINTR
        let signal = status & 0x7f
        let code: Int32 = waited != pid ? -1 : (signal == 0 ? (status >> 8) & 0xff : 128 + signal)
        return Result(status: code,
                      output: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
                      error: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
    }
}
