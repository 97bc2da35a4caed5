import Glibc

/// A pthread mutex with a condition variable, both at stable heap addresses.
///
/// Not `Synchronization.Mutex`: the worker queues need a condition variable to sleep on,
/// and pthread objects must never move, so they are allocated once here instead of living
/// in Swift properties (passing `&property` to a pthread function hands it a temporary
/// copy). The condition variable is only used by the worker queues; it measures timed
/// waits on the monotonic clock, so a change of the wall clock cannot stretch them.
final class PthreadMutex: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with the mutex held.
    func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits on the condition variable; call only with the mutex held (inside ``withLock(_:)``).
    func wait() {
        pthread_cond_wait(condition, mutex)
    }

    /// Waits on the condition variable until woken or until the monotonic clock reaches
    /// `deadline` nanoseconds (see `BlockedJob.now()`); call only with the mutex held.
    func wait(untilMonotonic deadline: UInt64) {
        var time = timespec()
        time.tv_sec = Int(clamping: deadline / 1_000_000_000)
        time.tv_nsec = Int(deadline % 1_000_000_000)
        _ = pthread_cond_timedwait(condition, mutex, &time)
    }

    /// Wakes one thread waiting in ``wait()``.
    func signal() {
        pthread_cond_signal(condition)
    }

    /// Wakes every thread waiting in ``wait()``.
    func broadcast() {
        pthread_cond_broadcast(condition)
    }
}
