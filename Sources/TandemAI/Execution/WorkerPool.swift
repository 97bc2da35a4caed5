import CRedisModule
import Glibc

/// A queue of jobs and the plain pthreads that run them, one queue per device as RedisAI
/// has (its `THREADS_PER_QUEUE` threads each take the next job in arrival order, with the
/// runs that join it in one batch; see ``takeNext(now:)``).
///
/// One pool per device (its upper-case name), created lazily on Redis's main thread; the
/// `CPU` pool is made at load time. Its threads are named `ai-<device>` (cut to 15 bytes),
/// and start with every signal blocked so Redis keeps handling SIGTERM/SIGINT on its main
/// thread. No Dispatch or Swift concurrency: they are not usable in the child Redis forks
/// for BGSAVE (a fork copies only the forking thread).
///
/// When the process exits, ``stopAll()`` closes every queue (see ``ProcessExit``).
final class WorkerPool: @unchecked Sendable {
    /// The queue's name: the upper-case device string.
    let name: String
    private let mutex = PthreadMutex()
    private var queue: [BlockedJob?] = []
    private var head = 0
    /// Set once the process exits: no job starts any more.
    private var stopped = false
    /// Jobs a worker has taken and not finished.
    private var running = 0
    /// The running threads (for CPU accounting in `INFO MODULES`).
    private(set) var threads: [pthread_t] = []

    private init(name: String) { self.name = name }

    /// At most this many device pools exist; jobs for further devices use the CPU pool,
    /// so odd device strings cannot make the server start threads without bound.
    static let maximumPools = 16

    nonisolated(unsafe) private static var pools: [String: WorkerPool] = [:]
    nonisolated(unsafe) private(set) static var cpu: WorkerPool?

    /// Every pool, for `INFO MODULES` (main thread).
    static var all: [WorkerPool] { pools.values.sorted { $0.name < $1.name } }

    /// Creates the `CPU` pool (load time). Returns `false` if no thread could start.
    static func startCPUPool(threads: Int) -> Bool {
        let pool = WorkerPool(name: "CPU")
        guard pool.start(threads: threads) else { return false }
        pools["CPU"] = pool
        cpu = pool
        return true
    }

    /// The pool for `device` (main thread), created on first use.
    static func pool(forDevice device: [UInt8]) -> WorkerPool? {
        let name = String(decoding: device.map(Arguments.upper), as: UTF8.self)
        if let pool = pools[name] { return pool }
        guard pools.count < maximumPools else { return cpu }
        let pool = WorkerPool(name: name)
        guard pool.start(threads: Configuration.current.threadsPerQueue) else { return cpu }
        pools[name] = pool
        return pool
    }

    /// Closes every queue so that no job starts any more, and tells whether a worker is in
    /// the middle of one (main thread, while the process exits).
    static func stopAll() -> Bool {
        var busy = false
        for pool in pools.values {
            pool.mutex.withLock {
                pool.stopped = true
                if pool.running > 0 { busy = true }
            }
        }
        return busy
    }

    /// Adds a job; a waiting worker picks it up.
    func enqueue(_ job: BlockedJob) {
        mutex.withLock {
            queue.append(job)
            mutex.signal()
        }
    }

    private func start(threads count: Int) -> Bool {
        var all = sigset_t(), old = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_SETMASK, &all, &old)
        defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
        for _ in 0..<count {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            let entry: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { context in
                guard let context else { return nil }
                Unmanaged<WorkerPool>.fromOpaque(context).takeUnretainedValue().work()
            }
            guard pthread_create(&thread, nil, entry, context) == 0 else {
                Unmanaged<WorkerPool>.fromOpaque(context).release()
                Log.warning("could not start a worker thread for queue \(name)")
                break
            }
            pthread_detach(thread)
            threads.append(thread)
        }
        return !threads.isEmpty
    }

    private func work() -> Never {
        // Named for profilers and `top -H` (at most 15 bytes): `ai-` and the device.
        CRedisModule_NameThread("ai-\(name)")
        while true {
            let jobs: [BlockedJob] = mutex.withLock {
                while true {
                    // After `stopAll()` the worker sleeps here until the process ends.
                    if stopped {
                        mutex.wait()
                        continue
                    }
                    let (jobs, wakeAt) = takeNext(now: BlockedJob.now())
                    if !jobs.isEmpty {
                        running += 1
                        return jobs
                    }
                    if let wakeAt { mutex.wait(untilMonotonic: wakeAt) } else { mutex.wait() }
                }
            }
            if jobs.count == 1 {
                jobs[0].runOnWorker()
            } else {
                BatchRun.execute(jobs.compactMap { $0 as? ModelRunJob })
                for job in jobs { job.finishOnWorker() }
            }
            mutex.withLock { running -= 1 }
        }
    }

    /// Takes the next job that may run at `now` out of the queue, with the requests that
    /// join it in one batch (mutex held). Jobs run in arrival order, except that a batch
    /// still waiting for `MINBATCHSIZE` stays queued while later jobs go ahead.
    ///
    /// Batching follows RedisAI: a run of a model stored with `BATCHSIZE` takes along the
    /// later queued runs of the same model whose inputs match beyond dim 0, in queue
    /// order, as long as their rows fit within `BATCHSIZE` (a request of `BATCHSIZE` rows
    /// or more runs alone). With `MINBATCHSIZE`, a batch of fewer rows waits for more
    /// requests, or until its oldest request has waited `MINBATCHTIMEOUT` ms; a full batch
    /// never waits.
    ///
    /// - Returns: the jobs to run (empty if none may run yet), and when to look again if
    ///   nothing new arrives (a waiting batch's `MINBATCHTIMEOUT` or a waiting job's
    ///   `TIMEOUT`).
    private func takeNext(now: UInt64) -> (jobs: [BlockedJob], wakeAt: UInt64?) {
        var wakeAt: UInt64?
        func wake(at time: UInt64) { wakeAt = min(wakeAt ?? .max, time) }
        var i = head
        while i < queue.count {
            guard let job = queue[i] else { i += 1; continue }
            guard let run = job as? ModelRunJob, let signature = run.signature, let limits = run.limits,
                  !run.hasExpired(at: now) else {
                take([i])
                return ([job], nil)
            }
            var members = [i]
            var rows = signature.rows
            var j = i + 1
            while rows < limits.batchSize && j < queue.count {
                if let other = queue[j] as? ModelRunJob, let theirs = other.signature, signature.joins(theirs),
                   theirs.rows <= limits.batchSize - rows, !other.hasExpired(at: now) {
                    members.append(j)
                    rows += theirs.rows
                }
                j += 1
            }
            if limits.minBatchSize > 0 && rows < limits.minBatchSize && rows < limits.batchSize {
                let waited = now &- run.queuedAt
                if limits.minBatchTimeout == 0 || waited < limits.minBatchTimeout {
                    if limits.minBatchTimeout > 0 { wake(at: saturatingSum(run.queuedAt, limits.minBatchTimeout)) }
                    if let end = run.expiresAt { wake(at: end) }
                    i += 1
                    continue
                }
            }
            let jobs = members.compactMap { queue[$0] }
            take(members)
            return (jobs, nil)
        }
        return ([], wakeAt)
    }

    /// `a + b`, or the largest value when that overflows (a far deadline, never a past one).
    private func saturatingSum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// Removes the jobs at `positions` from the queue (mutex held).
    private func take(_ positions: [Int]) {
        for position in positions { queue[position] = nil }
        while head < queue.count && queue[head] == nil { head += 1 }
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }
}
