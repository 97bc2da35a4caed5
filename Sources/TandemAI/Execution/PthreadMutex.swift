import Glibc

/// A pthread mutex with a condition variable, both at stable heap addresses.
///
/// Not `Synchronization.Mutex`: the worker queues need a condition variable to sleep on,
/// and pthread objects must never move, so they are allocated once here instead of living
/// in Swift properties (passing `&property` to a pthread function hands it a temporary
/// copy). The condition variable is only used by the worker queues.
final class PthreadMutex: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
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

    /// Wakes one thread waiting in ``wait()``.
    func signal() {
        pthread_cond_signal(condition)
    }

    /// Wakes every thread waiting in ``wait()``.
    func broadcast() {
        pthread_cond_broadcast(condition)
    }
}
