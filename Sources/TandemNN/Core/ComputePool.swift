import Glibc
import Synchronization

/// A fixed set of worker threads (pthreads) that run the tasks of one parallel loop at a time.
///
/// The calling thread takes part as worker 0, so a pool of `threads` starts `threads − 1`
/// threads. Between loops the workers spin briefly, then sleep on a condition variable,
/// so back-to-back layer kernels cost about a microsecond to dispatch and an idle pool
/// costs nothing. A pool belongs to one model or one caller; it is not a global, and
/// ``run(tasks:_:)`` must not be called from two threads at once.
///
/// When the machine is busy (other processes on the other core), a worker can be
/// descheduled in the middle of a task and the caller waits for it: measured on 2 cores
/// with one taken, two threads trained at 2/3 the speed of one. So the pool watches how
/// long the caller waits after finishing its own share; when that is a large part of the
/// loops' time, it runs the next loops inline (``inlineLoops`` of them) and then tries
/// parallel again.
public final class ComputePool: @unchecked Sendable {
    /// The number of workers, the calling thread included.
    public let threads: Int
    private let state: PoolState
    private var handles: [pthread_t] = []

    /// Starts `threads − 1` worker threads (`threads` ≥ 1; 1 means run everything inline).
    public init(threads: Int) {
        precondition(threads >= 1, "a pool needs at least one thread")
        self.threads = threads
        state = PoolState(workers: threads)
        for index in 1..<threads {
            let context = Unmanaged.passRetained(WorkerContext(state: state, index: index)).toOpaque()
            var handle = pthread_t()
            let status = pthread_create(&handle, nil, { raw in
                let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                context.state.workerLoop(index: context.index)
                return nil
            }, context)
            precondition(status == 0, "pthread_create failed (\(status))")
            handles.append(handle)
        }
    }

    /// The number of online processors, at least 1.
    public static var processorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    deinit {
        state.shutDown()
        for handle in handles { pthread_join(handle, nil) }
    }

    /// Runs `body(task, worker)` for every task in `0..<tasks`, spread over the workers, and
    /// returns when all have finished. `worker` is in `0..<threads` and identifies the
    /// thread, so tasks can use per-worker scratch without locks.
    public func run(tasks: Int, _ body: (_ task: Int, _ worker: Int) -> Void) {
        if tasks <= 0 { return }
        precondition(tasks < 1 << 24, "too many tasks for one parallel loop")
        if threads == 1 || tasks == 1 || inlineBudget > 0 {
            if inlineBudget > 0 {
                // Plain assignments (not `-=`, an in-place access) keep these properties'
                // accesses statically checked.
                inlineBudget = inlineBudget - 1
                fallbackLoops = fallbackLoops + 1
            }
            for task in 0..<tasks { body(task, 0) }
            return
        }
        parallelLoops = parallelLoops + 1
        let start = Self.now()
        let waited = withoutActuallyEscaping(body) { escapable in
            state.dispatch(tasks: tasks, body: escapable)
        }
        let total = max(Self.now() - start, 1)
        stall = 0.9 * stall + 0.1 * Double(waited) / Double(total)
        if stall > Self.stallLimit {
            stall = 0
            inlineBudget = Self.inlineLoops
        }
    }

    /// The share of a loop's time the caller may spend waiting for workers (moving average)
    /// before the pool runs loops inline for a while.
    public static let stallLimit = 0.3
    /// How many loops run inline after a stall, before parallel is tried again.
    public static let inlineLoops = 400
    private var stall = 0.0
    private var inlineBudget = 0
    /// Loops run on several threads, and loops run inline because workers kept stalling
    /// (diagnostics: a busy machine shows as a high share of the latter).
    public private(set) var parallelLoops = 0, fallbackLoops = 0

    /// Monotonic nanoseconds.
    static func now() -> Int {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return t.tv_sec * 1_000_000_000 + t.tv_nsec
    }
}

private final class WorkerContext {
    let state: PoolState
    let index: Int
    init(state: PoolState, index: Int) { self.state = state; self.index = index }
}

/// The shared state of a pool: the current job, its task counter, and the wake-up machinery.
///
/// Tasks are claimed with a compare-and-swap on `claim`, which packs the job's generation
/// with the next task index, so a worker that wakes late (after its job is over) can never
/// claim a task of another job; the caller waits only for all tasks to complete, never
/// for a descheduled worker that has no task.
private final class PoolState: @unchecked Sendable {
    let workers: Int
    let generation = Atomic<Int>(0)
    let claim = Atomic<Int>(0)
    let completed = Atomic<Int>(0)
    var job: ((Int, Int) -> Void)?
    var stopping = false
    var mutex = pthread_mutex_t()
    var condition = pthread_cond_t()
    /// Busy-wait iterations before yielding, and yields before sleeping.
    static let spinLimit = 4_000
    static let yieldLimit = 200

    init(workers: Int) {
        self.workers = workers
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_mutex_destroy(&mutex)
        pthread_cond_destroy(&condition)
    }

    /// Runs a job; returns the nanoseconds the caller waited for workers after its own share.
    func dispatch(tasks: Int, body: @escaping (Int, Int) -> Void) -> Int {
        job = body
        completed.store(0, ordering: .relaxed)
        let next = generation.load(ordering: .relaxed) &+ 1
        claim.store(Self.tag(next) | tasks << 24, ordering: .relaxed)
        pthread_mutex_lock(&mutex)
        generation.store(next, ordering: .releasing)
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
        work(worker: 0, generation: next)
        var waited = 0
        if completed.load(ordering: .acquiring) != tasks {
            let start = ComputePool.now()
            var spins = 0
            while completed.load(ordering: .acquiring) != tasks {
                spins += 1
                if spins > Self.spinLimit { sched_yield() }
            }
            waited = ComputePool.now() - start
        }
        job = nil
        return waited
    }

    /// `claim` packs generation (16 bits), task count (24 bits) and next task (24 bits).
    static func tag(_ generation: Int) -> Int { (generation & 0xFFFF) << 48 }

    /// Claims and runs tasks of job `generation` until none are left.
    func work(worker: Int, generation: Int) {
        let tag = Self.tag(generation)
        var current = claim.load(ordering: .acquiring)
        while true {
            guard current & ~0xFFFF_FFFF_FFFF == tag else { return }
            let task = current & 0xFF_FFFF
            if task >= (current >> 24) & 0xFF_FFFF { return }
            let (exchanged, original) = claim.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if !exchanged { current = original; continue }
            job!(task, worker)
            completed.wrappingAdd(1, ordering: .releasing)
            current = claim.load(ordering: .acquiring)
        }
    }

    func workerLoop(index: Int) {
        var seen = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                spins += 1
                if spins > Self.spinLimit + Self.yieldLimit {
                    pthread_mutex_lock(&mutex)
                    while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(&condition, &mutex) }
                    pthread_mutex_unlock(&mutex)
                } else if spins > Self.spinLimit {
                    sched_yield()
                }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            if stopping { return }
            work(worker: index, generation: current)
        }
    }

    func shutDown() {
        pthread_mutex_lock(&mutex)
        stopping = true
        generation.wrappingAdd(1, ordering: .releasing)
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }
}
