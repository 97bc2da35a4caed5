import Foundation
import Glibc
import Synchronization

/// What a driver process records about its experiment while it runs, so that `tandem runs`
/// can find what a driver that died without cleaning up (killed with SIGKILL, crashed) left:
/// its processes, its database on its port, and status files that still say "running".
///
/// One JSON file per experiment, in ``RunRegistry/directory(environment:)``, named after the
/// driver's pid; written when the experiment launches a job, removed when the driver exits
/// normally or is interrupted. A file whose driver is gone belongs to a *stale* run.
public struct RunEntry: Codable, Sendable, Hashable {
    /// One job the driver launched (jobs that outlive the driver on purpose are not recorded).
    public struct Job: Codable, Sendable, Hashable {
        /// The job's name (`orchestrator_0`, `fd_simulation_1`, …).
        public var name: String
        /// Its process id, which is also its process group.
        public var pid: Int32
        /// Its start time in clock ticks since boot (`/proc/<pid>/stat`), so that a recycled
        /// pid is never mistaken for it.
        public var startTicks: UInt64
        /// For a database: where it listens (`host:port`).
        public var address: String?
    }

    /// The driver's process id.
    public var driverPID: Int32
    /// The driver's start time in clock ticks since boot.
    public var driverStartTicks: UInt64
    /// The experiment's name.
    public var experiment: String
    /// The experiment's directory.
    public var directory: String
    /// The jobs launched, in launch order.
    public var jobs: [Job] = []
    /// JSON files with a top-level `"state"` that says `"running"` while the driver works
    /// (the online-training `summary.json`): a stale run's are marked `"killed"`.
    public var statusFiles: [String] = []
}

/// Finding the recorded runs, telling stale ones, and cleaning up after them.
public enum RunRegistry {
    /// Where run records go: `TANDEM_RUNS_DIR` when set, else `$XDG_RUNTIME_DIR/tandem/runs`,
    /// else `/tmp/tandem-<uid>/runs`.
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let explicit = environment["TANDEM_RUNS_DIR"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit, isDirectory: true)
        }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            return URL(fileURLWithPath: runtime, isDirectory: true).appendingPathComponent("tandem/runs", isDirectory: true)
        }
        return URL(fileURLWithPath: "/tmp/tandem-\(getuid())/runs", isDirectory: true)
    }

    /// A run record with the file it was read from.
    public struct Record: Sendable {
        /// Where the record is.
        public var file: URL
        /// What it says.
        public var entry: RunEntry
        /// Whether its driver is gone.
        public var isStale: Bool { !ProcessIdentity.isAlive(pid: entry.driverPID, startTicks: entry.driverStartTicks) }
        /// Its jobs that still run (same pid and start time).
        public var liveJobs: [RunEntry.Job] {
            entry.jobs.filter { ProcessIdentity.isAlive(pid: $0.pid, startTicks: $0.startTicks) }
        }
    }

    /// Every readable record in `directory`, oldest driver first.
    public static func records(in directory: URL = directory()) -> [Record] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            let file = directory.appendingPathComponent(name)
            guard let data = try? Data(contentsOf: file),
                  let entry = try? JSONDecoder().decode(RunEntry.self, from: data) else { return nil }
            return Record(file: file, entry: entry)
        }
    }

    /// Marks a stale run's status files: a `"state"` of `"running"` becomes `"killed"`, with a
    /// message saying that the driver died. Returns the files changed.
    @discardableResult
    public static func markStatusFiles(of record: Record) -> [String] {
        var changed: [String] = []
        for path in record.entry.statusFiles {
            let url = URL(fileURLWithPath: path)
            guard let data = try? Data(contentsOf: url),
                  var object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  object["state"] as? String == "running" else { continue }
            object["state"] = "killed"
            object["message"] = "The driver (pid \(record.entry.driverPID)) died without finishing: "
                + "it was killed or crashed; found by tandem at \(Date())."
            guard let updated = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]),
                  (try? updated.write(to: url, options: .atomic)) != nil else { continue }
            changed.append(path)
        }
        return changed
    }

    /// Stops what a stale run left: SIGTERM to each live job's process group, SIGKILL after
    /// `grace` to what is left. Returns the jobs that were running.
    @discardableResult
    public static func stopLeftovers(of record: Record, grace: Duration = .seconds(5)) -> [RunEntry.Job] {
        let live = record.liveJobs
        for job in live { kill(-job.pid, SIGTERM) }
        let clock = ContinuousClock()
        let killAt = clock.now + grace
        while clock.now < killAt && !record.liveJobs.isEmpty { usleep(20_000) }
        for job in record.liveJobs { kill(-job.pid, SIGKILL) }
        let giveUp = clock.now + .seconds(5)
        while clock.now < giveUp && !record.liveJobs.isEmpty { usleep(20_000) }
        return live
    }

    /// Removes a record once its driver and all its jobs are gone; returns whether it did.
    @discardableResult
    public static func removeIfSettled(_ record: Record) -> Bool {
        guard record.isStale, record.liveJobs.isEmpty else { return false }
        return (try? FileManager.default.removeItem(at: record.file)) != nil
    }
}

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
}

/// This driver's record of one experiment, rewritten as jobs start; removed when the driver
/// exits or is interrupted.
final class RunRegistration: Sendable {
    private let entry: Mutex<RunEntry>
    private let file: URL
    private let written = Mutex(false)

    /// Every registration of this process, so they are removed when it ends.
    private static let all = Mutex<[URL]>([])
    private static let counter = Atomic<Int>(0)

    init(experiment: String, directory: URL) {
        let pid = getpid()
        entry = Mutex(RunEntry(driverPID: pid, driverStartTicks: ProcessIdentity.startTicks(of: pid) ?? 0,
                               experiment: experiment, directory: directory.path))
        let number = Self.counter.add(1, ordering: .relaxed).newValue
        file = RunRegistry.directory().appendingPathComponent("\(pid)-\(number).json")
    }

    /// Records a job the driver launched.
    func jobStarted(name: String, pid: Int32, address: String?) {
        let job = RunEntry.Job(name: name, pid: pid, startTicks: ProcessIdentity.startTicks(of: pid) ?? 0, address: address)
        write { $0.jobs.append(job) }
    }

    /// Records a status file to mark if the driver dies.
    func addStatusFile(_ url: URL) {
        write { entry in
            if !entry.statusFiles.contains(url.path) { entry.statusFiles.append(url.path) }
        }
    }

    private func write(_ change: (inout RunEntry) -> Void) {
        let data = entry.withLock { entry -> Data? in
            change(&entry)
            return try? JSONEncoder().encode(entry)
        }
        guard let data else { return }
        let first = written.withLock { done in
            defer { done = true }
            return !done
        }
        if first {
            Self.all.withLock { $0.append(file) }
            ProcessGroupRegistry.shared.addExitHandler { RunRegistration.removeAll() }
        }
        _ = try? PrivateFiles.write(data, to: file)
    }

    /// Removes every record this process wrote (it is ending on purpose).
    static func removeAll() {
        for file in all.withLock({ $0 }) { unlink(file.path) }
    }
}
