import Dispatch
import Glibc
import Synchronization

/// Every process group the local launcher started in this driver process and that is still
/// alive, so that nothing outlives the driver: when the driver exits, or is interrupted by
/// SIGINT, SIGTERM or SIGHUP, each group gets SIGTERM, then SIGKILL after a grace period.
///
/// The interrupt handlers are installed on the first launch. After the children are gone the
/// driver dies of the same signal (default disposition), so its own parent sees the truth.
/// A driver killed by SIGKILL cannot clean up; nothing can catch that.
final class ProcessGroupRegistry: Sendable {
    static let shared = ProcessGroupRegistry()

    /// How long children get between SIGTERM and SIGKILL when the driver goes away.
    static let exitGrace: Duration = .seconds(3)

    private let groups = Mutex<Set<pid_t>>([])
    private let installed = Mutex(false)
    // Signal sources must stay alive for as long as the process runs.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Records a live group leader; installs the handlers on first use.
    func register(_ pid: pid_t) {
        installHandlersOnce()
        _ = groups.withLock { $0.insert(pid) }
    }

    /// Forgets a group whose leader has been reaped.
    func unregister(_ pid: pid_t) {
        _ = groups.withLock { $0.remove(pid) }
    }

    /// The live group leaders.
    var live: Set<pid_t> { groups.withLock { $0 } }

    /// Terminates every registered group, kills what is left after `grace`, and waits (a
    /// little) until the reapers have collected them.
    func stopAll(grace: Duration) {
        let clock = ContinuousClock()
        for pid in live { kill(-pid, SIGTERM) }
        let killAt = clock.now + grace
        while !live.isEmpty && clock.now < killAt { usleep(5_000) }
        guard !live.isEmpty else { return }
        for pid in live { kill(-pid, SIGKILL) }
        let giveUp = clock.now + .seconds(2)
        while !live.isEmpty && clock.now < giveUp { usleep(5_000) }
    }

    private func installHandlersOnce() {
        let first = installed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        atexit {
            ProcessGroupRegistry.shared.stopAll(grace: .milliseconds(500))
        }
        let queue = DispatchQueue(label: "tandem.experiment.interrupts")
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                ProcessGroupRegistry.shared.stopAll(grace: ProcessGroupRegistry.exitGrace)
                // Die of the same signal, as if it had not been caught.
                signal(signalNumber, SIG_DFL)
                var set = sigset_t()
                sigemptyset(&set)
                sigaddset(&set, signalNumber)
                pthread_sigmask(SIG_UNBLOCK, &set, nil)
                raise(signalNumber)
                _exit(128 + signalNumber)
            }
            source.resume()
            Self.sources.append(source)
        }
    }
}
