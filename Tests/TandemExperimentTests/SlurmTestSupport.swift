import Foundation
import Glibc
import Synchronization
@testable import TandemExperiment
import TandemTesting
import Testing

/// The one-node Slurm of `scripts/slurm-local.sh`, for the tests of the Slurm launcher.
///
/// The first test that needs it checks that Slurm answers; if not, it runs
/// `scripts/slurm-local.sh start` (which installs Slurm first when missing: under `CI`
/// always, on a developer machine only when Slurm is already installed) and stops it again
/// when the test process exits. Without Slurm on a developer machine the tests are skipped
/// with a loud message; under `CI` they fail.
enum LocalSlurm {
    /// The repository's root (this file is `Tests/TandemExperimentTests/…`).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private static let readiness: Mutex<String??> = Mutex(nil)

    /// Makes sure Slurm answers, starting the local one if it must; skips (or fails under CI) otherwise.
    static func require() throws {
        let problem = readiness.withLock { known -> String? in
            if let known { return known }
            let found = bringUp()
            known = .some(found)
            return found
        }
        try Peers.require(problem == nil, problem ?? "")
    }

    private static func bringUp() -> String? {
        guard let reason = SlurmLauncher.unavailability() else { return nil }
        let installed = FileManager.default.isExecutableFile(atPath: "/usr/sbin/slurmctld")
        guard installed || TestEnvironment.isCI else {
            return "\(reason); the Slurm launcher's tests need a Slurm: install slurm-wlm and munge "
                + "(scripts/install-deps.sh --slurm) or run scripts/slurm-local.sh start as root"
        }
        guard getuid() == 0 else {
            return "\(reason), and scripts/slurm-local.sh start needs root to start one"
        }
        guard let result = try? script("start"), result.succeeded else {
            return "scripts/slurm-local.sh start failed"
        }
        atexit { _ = try? LocalSlurm.script("stop") }
        return SlurmLauncher.unavailability()
    }

    /// Runs `scripts/slurm-local.sh <command>` to its end (its output in files, not pipes:
    /// the daemons it starts must hold nothing of the test process's).
    static func script(_ command: String) throws -> SlurmCommand.Result {
        try SlurmCommand(executable: "/bin/bash", arguments: [root.appendingPathComponent("scripts/slurm-local.sh").path, command],
                         environment: ProcessInfo.processInfo.environment).run()
    }

    /// A launcher with an allocation of its own (at most 10 minutes).
    static func launcher(shareCPUs: Bool = true) throws -> SlurmLauncher {
        try SlurmLauncher(allocation: .obtain(.init(timeLimit: .seconds(600))), shareCPUs: shareCPUs)
    }

    /// Slurm's command `name` with `arguments`; its standard output.
    @discardableResult
    static func run(_ name: String, _ arguments: [String]) throws -> String {
        let path = try #require(["/usr/bin/\(name)", "/usr/local/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) })
        let result = try SlurmCommand(executable: path, arguments: arguments, environment: ProcessInfo.processInfo.environment).run()
        try #require(result.succeeded, "\(name) \(arguments.joined(separator: " ")) failed: \(result.error)")
        return result.output
    }

    /// The ids of every job in the queue.
    static func queuedJobs() throws -> [String] {
        try run("squeue", ["-h", "-o", "%i"]).split(whereSeparator: \.isNewline).map(String.init)
    }

    /// The step ids running in `job`.
    static func steps(of job: String) throws -> [String] {
        try run("squeue", ["-h", "-s", "-o", "%i"]).split(whereSeparator: \.isNewline).map(String.init)
            .filter { $0.hasPrefix(job + ".") }
    }

    /// Waits (generously) until the queue is empty, and says whether it became so.
    static func waitUntilQueueEmpty() throws -> Bool {
        try TestEnvironment.waitUntil(seconds: 60) { try queuedJobs().isEmpty }
    }
}
