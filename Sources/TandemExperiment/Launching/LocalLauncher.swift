import CTandemSpawn
import Foundation
import Glibc
import Synchronization

/// Runs jobs as child processes of the driver, on this machine.
///
/// Each job gets its own process group, standard input from `/dev/null`, and its output in
/// the step's `.out`/`.err` files. A job is tied to the driver: the kernel kills it (SIGKILL)
/// when the driver dies, and the driver's watchdog stops its whole process group. A thread per job waits for it (`waitpid`), so its end time
/// is exact and no zombie is left. Jobs are signalled as a group, so a shell script and the
/// programs it started stop together. Every job not marked ``LaunchStep/outlivesDriver`` is
/// stopped when the driver exits or is interrupted (see ``Experiment``).
///
/// The job id is the process id.
public final class LocalLauncher: Launcher {
    private let children = Mutex<[pid_t: Child]>([:])

    /// Creates a local launcher.
    public init() {}

    public var name: String { "local" }

    public func launch(_ step: LaunchStep) throws(ExperimentError) -> JobID {
        guard step.mpmd.isEmpty else {
            throw ExperimentError(.launchFailed,
                "cannot start \(step.name): the local launcher runs one program per job; MPMD needs the Slurm launcher")
        }
        // Spawned from the one long-lived spawner thread: the parent-death signal follows the
        // thread that forked, and that one never ends before the driver.
        let (result, pid) = SpawnThread.shared.run { () -> (Int32, pid_t) in
            let argv = ([step.executable] + step.arguments).map { strdup($0) } + [nil]
            let envp = step.environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                for pointer in argv { free(pointer) }
                for pointer in envp { free(pointer) }
            }
            var pid: pid_t = 0
            let result = CTandemSpawn_spawn(step.executable, argv, envp, step.workingDirectory.path,
                                            step.outputFile.path, step.errorFile.path,
                                            step.outlivesDriver ? 1 : 0,
                                            step.outlivesDriver ? 0 : step.stopsGracefully ? SIGTERM : SIGKILL, &pid)
            return (result, pid)
        }
        guard result == 0 else {
            throw ExperimentError(.launchFailed,
                "cannot start \(step.name) (\(step.executable)): \(String(cString: strerror(result)))")
        }
        let child = Child(pid: pid, startedAt: .now)
        let leader = pid
        children.withLock { $0[pid] = child }
        let registry = ProcessGroupRegistry.shared
        if !step.outlivesDriver { registry.register(leader) }
        let reaper = Thread {
            child.waitAndReap()
            registry.unregister(leader)
        }
        reaper.name = "tandem-reaper-\(pid)"
        reaper.start()
        return JobID(String(pid))
    }

    public func state(of job: JobID) -> LauncherJobState {
        guard let pid = pid_t(job.rawValue), let child = children.withLock({ $0[pid] }) else { return .unknown }
        guard let (termination, end) = child.ending else { return .running }
        return .ended(termination, at: end)
    }

    public func send(_ signal: StopSignal, to job: JobID) {
        guard let pid = pid_t(job.rawValue), let child = children.withLock({ $0[pid] }) else { return }
        // Only while the leader has not been reaped: afterwards the pid could be reused.
        child.ifRunning { kill(-pid, signal == .kill ? SIGKILL : SIGTERM) }
    }

    /// One child process and, once it ended, how and when.
    private final class Child: Sendable {
        let pid: pid_t
        let startedAt: ContinuousClock.Instant
        private let end = Mutex<(Termination, ContinuousClock.Instant)?>(nil)

        init(pid: pid_t, startedAt: ContinuousClock.Instant) {
            self.pid = pid
            self.startedAt = startedAt
        }

        var ending: (Termination, ContinuousClock.Instant)? { end.withLock { $0 } }

        /// Blocks until the process ends, then reaps it and records how, under the lock that
        /// ``ifRunning(_:)`` takes: a signal is never sent to a pid released for reuse.
        func waitAndReap() {
            var info = siginfo_t()
            // Wait without reaping (WNOWAIT), so the pid stays ours until the record is made.
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 {
                if errno == EINTR { continue }
                break  // ECHILD: reaped elsewhere (a `waitpid(-1)` in the driver); recorded below.
            }
            let ended = ContinuousClock.now
            end.withLock { end in
                var status: Int32 = 0
                var result: pid_t
                repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
                guard result == pid else {
                    end = (.exited(code: -1), ended)
                    return
                }
                // WIFEXITED / WEXITSTATUS / WTERMSIG are macros; their bit layout is fixed on Linux.
                let signal = status & 0x7f
                end = (signal == 0 ? .exited(code: (status >> 8) & 0xff) : .signalled(signal: signal), ended)
            }
        }

        func ifRunning(_ body: () -> Void) {
            end.withLock { if $0 == nil { body() } }
        }
    }
}
