import Foundation
import Glibc

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
        /// Its jobs that still have a process: the job itself (same pid and start time), or
        /// what it started in its process group.
        public var liveJobs: [RunEntry.Job] {
            entry.jobs.filter { !RunRegistry.processes(of: $0).isEmpty }
        }
    }

    /// Every readable record in `directory`, oldest driver first. Only records this user
    /// wrote count: the folder must be this user's and writable by nobody else (its parent too,
    /// unless that is a sticky folder such as `/tmp`), and each file this user's — someone else
    /// could otherwise plant a record that has `--clean` signal this user's processes.
    public static func records(in directory: URL = directory()) -> [Record] {
        guard isTrusted(directory) else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            let file = directory.appendingPathComponent(name)
            var info = stat()
            guard lstat(file.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == getuid(),
                  let data = try? Data(contentsOf: file),
                  let entry = try? JSONDecoder().decode(RunEntry.self, from: data) else { return nil }
            return Record(file: file, entry: entry)
        }
    }

    /// Whether `directory` is this user's own: a real folder (not a link) owned by this user and
    /// writable by no one else, in a parent owned by this user or root and, if others may write
    /// there, sticky.
    static func isTrusted(_ directory: URL) -> Bool {
        let uid = getuid()
        var info = stat()
        guard lstat(directory.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR,
              info.st_uid == uid, info.st_mode & 0o022 == 0 else { return false }
        var parent = stat()
        guard stat(directory.deletingLastPathComponent().path, &parent) == 0,
              parent.st_uid == uid || parent.st_uid == 0 else { return false }
        return parent.st_mode & 0o022 == 0 || parent.st_mode & S_ISVTX != 0
    }

    /// Marks a stale run's status files: in a JSON file a `"state"` of `"running"` becomes
    /// `"killed"`, with a message saying that the driver died; an HTML page loses the parts
    /// it marked with ``RunningMarkup`` and gains that message. Returns the files changed.
    @discardableResult
    public static func markStatusFiles(of record: Record) -> [String] {
        let message = "The driver (pid \(record.entry.driverPID)) died without finishing: "
            + "it was killed or crashed; found by tandem at \(Date())."
        return record.entry.statusFiles.filter { path in
            let url = URL(fileURLWithPath: path)
            guard let data = try? Data(contentsOf: url) else { return false }
            let updated = url.pathExtension == "json" ? markingKilled(json: data, message: message)
                : RunningMarkup.markingKilled(String(decoding: data, as: UTF8.self),
                                              notice: "<p><span class=\"state failed\">killed</span> \(message)</p>").map { Data($0.utf8) }
            guard let updated else { return false }
            return (try? updated.write(to: url, options: .atomic)) != nil
        }
    }

    /// A JSON status object whose `"running"` state is now `"killed"`, or `nil`.
    private static func markingKilled(json data: Data, message: String) -> Data? {
        guard var object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              object["state"] as? String == "running" else { return nil }
        object["state"] = "killed"
        object["message"] = message
        return try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    /// The live processes of a recorded job: its own, if it still runs, and the rest of its
    /// process group.
    public static func processes(of job: RunEntry.Job) -> [Int32] {
        var pids = ProcessIdentity.members(ofGroup: job.pid, startedSince: job.startTicks)
        if ProcessIdentity.isAlive(pid: job.pid, startTicks: job.startTicks) && !pids.contains(job.pid) {
            pids.insert(job.pid, at: 0)
        }
        return pids
    }

    /// Stops what a stale run left: SIGTERM to each live job's processes, SIGKILL after
    /// `grace` to what is left. Returns the jobs that were running.
    @discardableResult
    public static func stopLeftovers(of record: Record, grace: Duration = .seconds(5)) -> [RunEntry.Job] {
        let live = record.liveJobs
        func signal(_ number: Int32) {
            for job in record.liveJobs {
                for pid in processes(of: job) { kill(pid, number) }
            }
        }
        signal(SIGTERM)
        let clock = ContinuousClock()
        let killAt = clock.now + grace
        while clock.now < killAt && !record.liveJobs.isEmpty { usleep(20_000) }
        signal(SIGKILL)
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
