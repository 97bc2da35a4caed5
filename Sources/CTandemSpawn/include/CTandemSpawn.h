#ifndef CTANDEMSPAWN_H
#define CTANDEMSPAWN_H

#include <sys/types.h>

/// Starts `path` as a child process the way TandemExperiment's local launcher needs it:
///
/// - in its own process group (`setpgid(0, 0)`), so stopping a job signals the whole group
///   (a shell script and what it started), and a Ctrl-C in the terminal reaches only the
///   driver, which then stops its children itself;
/// - with `setsid()` instead when `new_session` is non-zero (a detached orchestrator that
///   must outlive the driver and its terminal);
/// - working in `directory`, stdin from /dev/null, stdout and stderr truncated into the
///   two given files (created with mode 0644);
/// - with every signal at its default disposition and an empty signal mask (the driver
///   ignores SIGINT/SIGTERM to handle them itself; children must not inherit that);
/// - with every descriptor above 2 closed, so pipes and sockets of the driver never leak
///   into a child (a leaked pipe end would keep a reader in the driver waiting forever);
/// - when `death_signal` is non-zero (and `new_session` is zero), tied to the driver: the
///   kernel sends it `death_signal` when the driver dies (`PR_SET_PDEATHSIG`). The signal
///   follows the death of the *thread* that called this function, not of the process, so call
///   it from a thread that lives as long as the driver. This path uses fork and exec, since no
///   posix_spawn attribute can ask for it.
///
/// Why C: `posix_spawn_file_actions_addchdir_np` and `posix_spawn_file_actions_addclosefrom_np`
/// are GNU extensions that Swift's Glibc module does not import (it does not define
/// `_GNU_SOURCE`), and the code between fork and exec must not touch the Swift runtime
/// (another thread may hold one of its locks; only async-signal-safe calls are allowed there).
///
/// Returns 0 and stores the child's pid, or an errno value (nothing was started).
int CTandemSpawn_spawn(const char *path, char *const argv[], char *const envp[],
                       const char *directory, const char *output_path, const char *error_path,
                       int new_session, int death_signal, pid_t *pid);

/// Starts the driver's watchdog: a forked copy of the driver (named `tandem-watchdog`, in its
/// own process group, every inherited descriptor closed) that blocks on a pipe from the
/// driver. The driver tells it each process group it starts (``CTandemSpawn_watchGroup``).
/// When the pipe's last write end closes — the driver exited or died, by any signal,
/// SIGKILL included — the watchdog sends SIGTERM to every group that still has a process,
/// SIGKILL two seconds later to what is left, and exits. Grandchildren are reached too, since
/// they share their parent's group. Groups whose processes are all gone are forgotten once a
/// second, so a recycled number is never signalled.
///
/// The write end is close-on-exec and the spawn shim closes every descriptor above 2, so no
/// child holds it: only the driver's death closes it.
///
/// `argv`/`argc` are the driver's own command line (its original memory): the watchdog
/// overwrites its copy, so `ps` and `pkill -f` see `tandem-watchdog`, not the driver's command.
///
/// Returns 0 and stores the pipe's write end and the watchdog's pid, or an errno value.
int CTandemSpawn_startWatchdog(int *write_fd, pid_t *pid, char **argv, int argc);

/// Tells the watchdog behind `write_fd` to stop process group `group` when the driver dies.
/// Never raises SIGPIPE (a vanished watchdog gives EPIPE). Returns 0 or an errno value.
int CTandemSpawn_watchGroup(int write_fd, pid_t group);

#endif
