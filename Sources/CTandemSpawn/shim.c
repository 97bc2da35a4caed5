#define _GNU_SOURCE
#include "CTandemSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/// Reports `error` through the pipe and ends the child before it ran anything.
static _Noreturn void child_failed(int report, int error) {
    ssize_t ignored = write(report, &error, sizeof error);
    (void)ignored;
    _exit(127);
}

static int open_onto(const char *path, int flags, int target) {
    int fd = open(path, flags, 0644);
    if (fd < 0) return errno;
    if (fd != target) {
        if (dup2(fd, target) < 0) return errno;
        close(fd);
    }
    return 0;
}

/// fork and exec, so that the child can ask for a signal when its parent dies (no posix_spawn
/// attribute does that). Between fork and exec only async-signal-safe calls are made.
static int spawn_tied(const char *path, char *const argv[], char *const envp[], const char *directory,
                      const char *output_path, const char *error_path, int death_signal, pid_t *pid) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    // No signal may run a handler of the driver's in the child before the dispositions are reset.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        close(report[0]);
        // Keep the report pipe clear of the standard descriptors about to be replaced.
        if (report[1] < 3) {
            int moved = fcntl(report[1], F_DUPFD_CLOEXEC, 3);
            if (moved < 0) _exit(127);
            report[1] = moved;
        }
        struct sigaction standard = { 0 };
        standard.sa_handler = SIG_DFL;
        for (int signal_number = 1; signal_number < NSIG; signal_number++) {
            if (signal_number != SIGKILL && signal_number != SIGSTOP) sigaction(signal_number, &standard, NULL);
        }
        if (setpgid(0, 0) != 0) child_failed(report[1], errno);
        if (prctl(PR_SET_PDEATHSIG, death_signal, 0, 0, 0) != 0) child_failed(report[1], errno);
        // The driver may have died before the request took effect.
        if (getppid() != parent) _exit(127);
        if (chdir(directory) != 0) child_failed(report[1], errno);
        int error = open_onto("/dev/null", O_RDONLY, 0);
        if (error == 0) error = open_onto(output_path, O_WRONLY | O_CREAT | O_TRUNC, 1);
        if (error == 0) error = open_onto(error_path, O_WRONLY | O_CREAT | O_TRUNC, 2);
        if (error != 0) child_failed(report[1], error);
        // Every other descriptor goes; the report pipe closes itself at exec.
        if (report[1] > 3 && syscall(SYS_close_range, 3U, (unsigned)(report[1] - 1), 0U) != 0)
            for (int fd = 3; fd < report[1]; fd++) close(fd);
        if (syscall(SYS_close_range, (unsigned)(report[1] + 1), ~0U, 0U) != 0)
            for (int fd = report[1] + 1; fd < 65536; fd++) close(fd);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(path, argv, envp);
        child_failed(report[1], errno);
    }
    int fork_error = child < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    close(report[1]);
    if (fork_error != 0) {
        close(report[0]);
        return fork_error;
    }
    int child_error = 0;
    ssize_t got;
    do { got = read(report[0], &child_error, sizeof child_error); } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == (ssize_t)sizeof child_error) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        return child_error;
    }
    *pid = child;
    return 0;
}

int CTandemSpawn_spawn(const char *path, char *const argv[], char *const envp[],
                       const char *directory, const char *output_path, const char *error_path,
                       int new_session, int death_signal, pid_t *pid) {
    if (!new_session && death_signal > 0)
        return spawn_tied(path, argv, envp, directory, output_path, error_path, death_signal, pid);
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int result = posix_spawn_file_actions_init(&actions);
    if (result != 0) return result;
    result = posix_spawnattr_init(&attributes);
    if (result != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return result;
    }

    sigset_t all, none;
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    sigemptyset(&none);
    short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    flags |= new_session ? POSIX_SPAWN_SETSID : POSIX_SPAWN_SETPGROUP;

    if (result == 0) result = posix_spawnattr_setflags(&attributes, flags);
    if (result == 0) result = posix_spawnattr_setsigdefault(&attributes, &all);
    if (result == 0) result = posix_spawnattr_setsigmask(&attributes, &none);
    if (result == 0 && !new_session) result = posix_spawnattr_setpgroup(&attributes, 0);
    if (result == 0) result = posix_spawn_file_actions_addchdir_np(&actions, directory);
    if (result == 0) result = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (result == 0) result = posix_spawn_file_actions_addopen(&actions, 1, output_path,
                                                              O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (result == 0) result = posix_spawn_file_actions_addopen(&actions, 2, error_path,
                                                              O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (result == 0) result = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (result == 0) result = posix_spawn(pid, path, &actions, &attributes, argv, envp);

    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return result;
}
