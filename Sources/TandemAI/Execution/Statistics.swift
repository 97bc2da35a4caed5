/// The run statistics of one model or script, as `AI.INFO` reports them.
///
/// Counters are guarded by ``Statistics/mutex``: workers add to them after each run.
final class RunStats: @unchecked Sendable {
    let key: [UInt8]
    /// Whether the entry is a script's (`AI.INFO` type `SCRIPT`, samples −1).
    let isScript: Bool
    let backend: Backend
    let device: [UInt8]
    let tag: [UInt8]
    /// Total run time in microseconds of the successful runs.
    var duration: Int64 = 0
    /// Sum over runs of dim 0 of the first output.
    var samples: Int64 = 0
    /// Runs, failed ones included.
    var calls: Int64 = 0
    /// Failed runs.
    var errors: Int64 = 0

    init(key: [UInt8], backend: Backend, device: [UInt8], tag: [UInt8], isScript: Bool = false) {
        self.key = key
        self.isScript = isScript
        self.backend = backend
        self.device = device
        self.tag = tag
    }
}

/// The module-global dictionary key name → ``RunStats``. An entry is made when a
/// model is stored or loaded from RDB, and removed when that model is freed (which may
/// happen on Redis's lazy-free thread, hence the lock).
enum Statistics {
    static let mutex = PthreadMutex()
    nonisolated(unsafe) private static var entries: [[UInt8]: RunStats] = [:]

    /// Makes `stats` the entry for its key, replacing any older one.
    static func register(_ stats: RunStats) {
        mutex.withLock { entries[stats.key] = stats }
    }

    /// Removes `stats` if it is still the entry for its key.
    static func remove(_ stats: RunStats) {
        mutex.withLock {
            if entries[stats.key] === stats { entries[stats.key] = nil }
        }
    }

    /// A snapshot of the entry for `key`.
    static func lookup(_ key: [UInt8]) -> (stats: RunStats, duration: Int64, samples: Int64, calls: Int64, errors: Int64)? {
        mutex.withLock {
            guard let s = entries[key] else { return nil }
            return (s, s.duration, s.samples, s.calls, s.errors)
        }
    }

    /// Zeroes the counters of `key`'s entry; `false` if there is none.
    static func reset(_ key: [UInt8]) -> Bool {
        mutex.withLock {
            guard let s = entries[key] else { return false }
            s.duration = 0; s.samples = 0; s.calls = 0; s.errors = 0
            return true
        }
    }

    /// Records one request's run, as RedisAI does: one call; for a failed run one error
    /// and nothing else; otherwise the run time and `samples`. A request that ran in a batch
    /// adds the whole batch's run time and only its own rows.
    static func record(_ stats: RunStats, microseconds: Int64, samples: Int64, failed: Bool) {
        mutex.withLock {
            stats.calls &+= 1
            if failed {
                stats.errors &+= 1
            } else {
                stats.duration &+= microseconds
                stats.samples &+= samples
            }
        }
    }

    /// Model runs that served more than one request (auto-batching), and the requests they
    /// served, since the module loaded: `INFO MODULES` section `ai_tandem`.
    nonisolated(unsafe) private static var batches: (runs: Int64, requests: Int64) = (0, 0)

    /// Records one batched run that served `requests` requests, and each request's run as
    /// ``record(_:microseconds:samples:failed:)`` would (one call each; the batch's whole run
    /// time each; `samples` being the rows of all of them), under one lock.
    static func recordBatch(_ stats: RunStats, requests: Int, microseconds: Int64, samples: Int64, failed: Bool) {
        let count = Int64(requests)
        mutex.withLock {
            batches.runs &+= 1
            batches.requests &+= count
            stats.calls &+= count
            if failed {
                stats.errors &+= count
            } else {
                stats.duration &+= microseconds &* count
                stats.samples &+= samples
            }
        }
    }

    /// The batched runs and the requests they served, so far.
    static var batchTotals: (runs: Int64, requests: Int64) { mutex.withLock { batches } }

    /// Every model's (or script's) key and tag (`AI._MODELSCAN`, `AI._SCRIPTSCAN`).
    static func keysAndTags(scripts: Bool) -> [([UInt8], [UInt8])] {
        mutex.withLock { entries.values.filter { $0.isScript == scripts }.map { ($0.key, $0.tag) } }
    }
}
