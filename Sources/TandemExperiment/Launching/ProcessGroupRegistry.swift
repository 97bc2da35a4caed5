import CTandemSpawn
import Dispatch
import Glibc
import Synchronization

/// Every process group the local launcher started in this driver process and that is still
/// alive, so that nothing outlives the driver: when the driver exits, or is interrupted by
/// SIGINT, SIGTERM or SIGHUP, each group gets SIGTERM, then SIGKILL after a grace period.
///
/// The interrupt handlers are installed on the first launch. After the children are gone the
/// driver dies of the same signal (default disposition), so its own parent sees the truth.
///
/// A driver killed by SIGKILL (or crashing) cannot clean up itself. Two things cover that:
/// the kernel kills each child when the driver dies (``LocalLauncher`` asks for a parent-death
/// signal), and every group is handed to a watchdog process started on the first launch (see
/// `CTandemSpawn_startWatchdog`), which notices the driver's death by the end of a pipe and
/// stops the groups — grandchildren included — within about two seconds.
final class ProcessGroupRegistry: Sendable {
    static let shared = ProcessGroupRegistry()

    /// How long children get between SIGTERM and SIGKILL when the driver goes away.
    static let exitGrace: Duration = .seconds(3)

    private let groups = Mutex<Set<pid_t>>([])
    private let installed = Mutex(false)
    private let interruptHandlers = Mutex<[@Sendable (Int32) -> Void]>([])
    private let exitHandlers = Mutex<[@Sendable () -> Void]>([])
    // Signal sources must stay alive for as long as the process runs.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// The watchdog's pipe (write end), or -1 when it could not be started.
    private let watchdog = Mutex<Int32?>(nil)

    /// Records a live group leader and hands its group to the watchdog; installs the
    /// handlers and starts the watchdog on first use.
    func register(_ pid: pid_t) {
        installHandlersOnce()
        _ = groups.withLock { $0.insert(pid) }
        let pipe = watchdog.withLock { pipe -> Int32 in
            if pipe == nil {
                var writeEnd: Int32 = -1, watchdogPID: pid_t = 0
                pipe = CTandemSpawn_startWatchdog(&writeEnd, &watchdogPID, CommandLine.unsafeArgv, CommandLine.argc) == 0 ? writeEnd : -1
            }
            return pipe!
        }
        if pipe >= 0 { _ = CTandemSpawn_watchGroup(pipe, pid) }
    }

    /// Forgets a group whose leader has been reaped.
    func unregister(_ pid: pid_t) {
        _ = groups.withLock { $0.remove(pid) }
    }

    /// Adds a handler run on an interrupt before the children are stopped; installs the
    /// signal handlers if no launch has yet.
    func addInterruptHandler(_ handler: @escaping @Sendable (Int32) -> Void) {
        installHandlersOnce()
        interruptHandlers.withLock { $0.append(handler) }
    }

    /// Adds a handler run when the driver ends on purpose — it exits, or an interrupt has
    /// stopped its children — after the children are stopped; installs the handlers.
    func addExitHandler(_ handler: @escaping @Sendable () -> Void) {
        installHandlersOnce()
        exitHandlers.withLock { $0.append(handler) }
    }

    private func runExitHandlers() {
        for handler in exitHandlers.withLock({ $0 }) { handler() }
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
            ProcessGroupRegistry.shared.runExitHandlers()
        }
        let queue = DispatchQueue(label: "tandem.experiment.interrupts")
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                for handler in ProcessGroupRegistry.shared.interruptHandlers.withLock({ $0 }) { handler(signalNumber) }
                ProcessGroupRegistry.shared.stopAll(grace: ProcessGroupRegistry.exitGrace)
                ProcessGroupRegistry.shared.runExitHandlers()
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
