import Glibc

/// Makes the process end promptly when Redis exits while a worker is running a job.
///
/// Redis finishes its own shutdown first (`SHUTDOWN`, SIGTERM: data saved if asked, replicas
/// flushed, the pid file removed, "bye bye" logged) and then calls `exit()` on its main
/// thread. `exit()` runs the exit handlers and then the destructors of every loaded shared
/// library, while the module's worker threads go on running. Two things go wrong there:
///
/// - OpenBLAS's destructor stops its own thread pool by marking each of its threads and
///   joining them. A worker in the middle of a BLAS call hands those threads new work,
///   which erases the mark, so the join waits forever: the server logged "bye bye" and
///   never exited, its main thread in `blas_thread_shutdown_` → `pthread_join`.
/// - Other destructors free memory (BLAS buffers, runtime state) that a running model may
///   still be using.
///
/// So the module registers an exit handler (at load time, after its libraries were
/// loaded). Exit handlers run in the reverse order of registration, and library
/// destructors run from a handler registered when the program started, so this one runs
/// before any of them. It closes every worker queue (no job starts any more) and, if a
/// worker is in the middle of a job, leaves at once with `_exit` and the status `exit()`
/// was given. Nothing is lost: Redis has finished everything it does before exiting, and
/// the clients of the abandoned jobs are gone with the server. When no worker is busy, the
/// exit goes on normally.
enum ProcessExit {
    /// Registers the exit handler (main thread, load time, once).
    static func install() -> Bool {
        on_exit(handler, nil) == 0
    }

    private static let handler: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { status, _ in
        if WorkerPool.stopAll() { _exit(status) }
    }
}
