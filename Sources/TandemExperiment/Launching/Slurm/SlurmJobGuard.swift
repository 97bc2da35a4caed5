import Foundation
import Glibc

/// A Slurm job's tie to the driver. A batch job, or an allocation obtained with
/// `salloc --no-shell`, lives on in Slurm by itself; so that neither outlives a driver that
/// dies without cancelling it (SIGKILL, a crash), a small detached process watches the
/// driver and runs `scancel` on the job once the driver is gone. It needs no signal to reach
/// it, so nothing the driver's death does to its process groups can stop it. A detached job
/// (one that may outlive the driver) has none.
enum SlurmJobGuard {
    /// While the driver (`$2`) lives, checks every second; then cancels the job (`$1`) with
    /// scancel (`$0`).
    static let script = #"while kill -0 "$2" 2>/dev/null; do sleep 1; done; exec "$0" --quiet "$1""#

    /// Starts the guard of `jobID` with `local`; returns its local job, to stop it when the
    /// job is cancelled while the driver lives.
    static func start(jobID: String, scancel: String, local: LocalLauncher,
                      environment: [String: String]) throws(ExperimentError) -> JobID {
        try local.launch(LaunchStep(
            name: "scancel-guard-\(jobID)", executable: "/bin/sh",
            arguments: ["-c", script, scancel, jobID, String(getpid())],
            environment: environment, workingDirectory: URL(fileURLWithPath: "/"),
            outputFile: URL(fileURLWithPath: "/dev/null"), errorFile: URL(fileURLWithPath: "/dev/null"),
            outlivesDriver: true))
    }
}
