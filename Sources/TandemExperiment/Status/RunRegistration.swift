import Foundation
import Glibc
import Synchronization

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
    func jobStarted(name: String, pid: Int32, address: String?, requiresPassword: Bool?) {
        let job = RunEntry.Job(name: name, pid: pid, startTicks: ProcessIdentity.startTicks(of: pid) ?? 0,
                               address: address, requiresPassword: requiresPassword)
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
            let firstInProcess = Self.all.withLock { all -> Bool in
                all.append(file)
                return all.count == 1
            }
            if firstInProcess { ProcessGroupRegistry.shared.addExitHandler { RunRegistration.removeAll() } }
        }
        // Written only into this user's own folder (see RunRegistry.isTrusted).
        let folder = file.deletingLastPathComponent()
        try? PrivateFiles.makeDirectory(folder)
        if RunRegistry.isTrusted(folder) { _ = try? PrivateFiles.write(data, to: file) }
    }

    /// Removes every record this process wrote (it is ending on purpose).
    static func removeAll() {
        for file in all.withLock({ $0 }) { unlink(file.path) }
    }
}
