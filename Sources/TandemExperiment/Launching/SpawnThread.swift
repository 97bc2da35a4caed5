import Dispatch
import Foundation
import Synchronization

/// One thread that lives as long as the driver and starts every child process.
///
/// A child asks the kernel for a signal when its parent dies (`PR_SET_PDEATHSIG`), but the
/// kernel sends it when the *thread* that forked the child ends, not the process. Threads of
/// Dispatch's pools come and go, and an async `main` may end the main thread early; so every
/// spawn runs here, on a thread that never returns.
final class SpawnThread: Sendable {
    static let shared: SpawnThread = {
        let spawner = SpawnThread()
        let thread = Thread { spawner.serve() }
        thread.name = "tandem-spawner"
        thread.start()
        return spawner
    }()

    private let requests = Mutex<[@Sendable () -> Void]>([])
    private let wake = DispatchSemaphore(value: 0)

    private init() {}

    /// The thread's body: runs requests as they come, for ever.
    private func serve() -> Never {
        while true {
            wake.wait()
            for request in requests.withLock({ pending in defer { pending.removeAll() }; return pending }) {
                request()
            }
        }
    }

    /// Runs `body` on the spawner thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<T?>(nil)
        requests.withLock {
            $0.append {
                let value = body()
                result.withLock { $0 = value }
                done.signal()
            }
        }
        wake.signal()
        done.wait()
        return result.withLock { $0! }
    }
}
