import Foundation
import Glibc
import Synchronization
import Testing

/// The local Slurm of `scripts/slurm-local.sh`, for tests of the Slurm launcher: one node on
/// this machine (partition `local`), ``hostCount`` nodes in network namespaces standing for
/// separate hosts (partition `hosts`), and accounting records (slurmdbd, so `sacct` answers).
///
/// The first test that needs it checks that Slurm answers (`sinfo`); if not, it runs
/// `scripts/slurm-local.sh start --hosts 3 --accounting` (which installs Slurm, slurmdbd and
/// MariaDB first when missing) — under `CI`
/// always, on a developer machine only when Slurm is installed — and stops it again when the
/// test process exits. Without Slurm on a developer machine the tests are skipped with a
/// loud message; under `CI` they fail.
public enum LocalSlurm {
    /// The repository's root (this file is `Sources/TandemTesting/…`).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private static let readiness: Mutex<String??> = Mutex(nil)

    /// Makes sure Slurm answers, starting the local one if it must; skips (or fails under CI) otherwise.
    public static func require() throws {
        let problem = readiness.withLock { known -> String? in
            if let known { return known }
            let found = bringUp()
            known = .some(found)
            return found
        }
        try Peers.require(problem == nil, problem ?? "")
    }

    /// Why Slurm does not answer here, or `nil` when `sinfo` reaches its controller.
    public static func unavailability() -> String? {
        guard let sinfo = command("sinfo") else { return "Slurm is not installed (no sinfo)" }
        return (try? runToEnd(sinfo, ["-h"]))?.status == 0 ? nil : "Slurm's controller does not answer (sinfo failed)"
    }

    private static func bringUp() -> String? {
        guard let reason = unavailability() else { return nil }
        let installed = FileManager.default.isExecutableFile(atPath: "/usr/sbin/slurmctld")
        guard installed || TestEnvironment.isCI else {
            return "\(reason); the Slurm launcher's tests need a Slurm: install slurm-wlm and munge "
                + "(scripts/install-deps.sh --slurm) or run scripts/slurm-local.sh start as root"
        }
        guard getuid() == 0 else { return "\(reason), and scripts/slurm-local.sh start needs root to start one" }
        guard let started = try? runToEnd("/bin/bash", [root.appendingPathComponent("scripts/slurm-local.sh").path,
                                                         "start", "--hosts", "\(hostCount)", "--accounting"]),
              started.status == 0 else {
            return "scripts/slurm-local.sh start --hosts \(hostCount) --accounting failed"
        }
        atexit { _ = try? LocalSlurm.script("stop") }
        return unavailability()
    }

    /// The nodes that stand for other hosts when the tests start Slurm themselves.
    public static let hostCount = 3

    /// Makes sure Slurm answers and its partition `hosts` has at least `count` nodes; skips
    /// (or fails under CI) otherwise, for instance when Slurm was started without `--hosts`.
    public static func requireHosts(_ count: Int) throws {
        try require()
        let nodes = (try? run("sinfo", ["-h", "-p", "hosts", "-o", "%D"]))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        try Peers.require(nodes >= count, "the partition hosts has \(nodes) node(s), \(count) needed: run scripts/slurm-local.sh stop, "
            + "then scripts/slurm-local.sh start --hosts \(hostCount) (as root; it needs network namespaces)")
    }

    /// Makes sure Slurm answers and keeps accounting records (`scontrol show config` names
    /// slurmdbd and `sacct` answers); skips (or fails under CI) otherwise, for instance when
    /// Slurm was started without `--accounting`.
    public static func requireAccounting() throws {
        try require()
        let storage = (try? run("scontrol", ["show", "config"]))?.split(whereSeparator: \.isNewline)
            .first { $0.hasPrefix("AccountingStorageType") }.map(String.init) ?? "(no answer)"
        let answers = command("sacct").map { (try? runToEnd($0, ["-n", "-j", "1"]))?.status == 0 } ?? false
        try Peers.require(storage.hasSuffix("accounting_storage/slurmdbd") && answers,
            "Slurm keeps no accounting records here (\(storage.replacingOccurrences(of: "  ", with: "")), sacct "
            + (answers ? "answers" : "does not answer") + "): run scripts/slurm-local.sh stop, then "
            + "scripts/slurm-local.sh start --hosts \(hostCount) --accounting (as root)")
    }

    /// Slurm's accounting records of `job` and its steps (`sacct -P -n`): id → `State|ExitCode`.
    public static func accountingRecords(of job: String) throws -> [String: String] {
        var records: [String: String] = [:]
        for line in try run("sacct", ["-P", "-n", "-j", job, "--format=JobID,State,ExitCode"]).split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            if fields.count == 2 { records[String(fields[0])] = String(fields[1]) }
        }
        return records
    }

    /// Runs `scripts/slurm-local.sh <command>` to its end.
    @discardableResult
    public static func script(_ command: String) throws -> (status: Int32, output: String) {
        try runToEnd("/bin/bash", [root.appendingPathComponent("scripts/slurm-local.sh").path, command])
    }

    /// Slurm's command `name` (`squeue`, `scontrol`, …) with `arguments`; its standard output.
    @discardableResult
    public static func run(_ name: String, _ arguments: [String]) throws -> String {
        guard let path = command(name) else { throw TestEnvironmentError("\(name) is not installed") }
        let result = try runToEnd(path, arguments)
        guard result.status == 0 else {
            throw TestEnvironmentError("\(name) \(arguments.joined(separator: " ")) failed: \(result.output)")
        }
        return result.output
    }

    /// The ids of every job in the queue.
    public static func queuedJobs() throws -> [String] {
        try run("squeue", ["-h", "-o", "%i"]).split(whereSeparator: \.isNewline).map(String.init)
    }

    /// The step ids running in `job`.
    public static func steps(of job: String) throws -> [String] {
        try run("squeue", ["-h", "-s", "-o", "%i"]).split(whereSeparator: \.isNewline).map(String.init)
            .filter { $0.hasPrefix(job + ".") }
    }

    private static func command(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/usr/local/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a program to its end, its standard output and error in one temporary file (not a
    /// pipe: the daemons `slurm-local.sh start` leaves running must hold nothing of ours).
    private static func runToEnd(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-slurm-\(UUID().uuidString).log").path
        defer { unlink(file) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestEnvironmentError("cannot run \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, (try? String(contentsOfFile: file, encoding: .utf8)) ?? "")
    }
}
