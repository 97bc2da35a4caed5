import Foundation

/// Runs staging work in submission order on one background thread, so the next simulation
/// is solved while the previous one is being uploaded. At most `limit` jobs wait at once,
/// which bounds the memory held by pending uploads. After the first failure the remaining
/// jobs are skipped and ``finish()`` rethrows it.
final class StagingQueue: @unchecked Sendable {
    private let queue = DispatchQueue(label: "fd-sim.staging")
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var firstFailure: (any Error)?

    init(limit: Int) {
        slots = DispatchSemaphore(value: limit)
    }

    /// The first error a job threw, if any.
    var failure: (any Error)? { lock.withLock { firstFailure } }

    /// Queues `work`; blocks while `limit` jobs are already waiting.
    func submit(_ work: @escaping () throws -> Void) {
        slots.wait()
        let job = Job(work: work)
        queue.async { [self] in
            defer { slots.signal() }
            guard failure == nil else { return }
            do { try job.work() } catch { lock.withLock { if firstFailure == nil { firstFailure = error } } }
        }
    }

    /// Waits for every queued job and rethrows the first failure.
    func finish() throws {
        queue.sync {}
        if let failure { throw failure }
    }

    /// A job handed to the staging thread; only that thread runs it.
    private struct Job: @unchecked Sendable {
        let work: () throws -> Void
    }
}
