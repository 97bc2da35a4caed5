#define _GNU_SOURCE
#include "CTandemSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

// The watchdog runs in a forked copy of the driver that never calls exec, so between fork and
// _exit it may only use async-signal-safe calls: no malloc, no stdio, no locks. Its table of
// process groups is therefore a static array, allocated before the fork.
enum { WATCHDOG_CAPACITY = 65536, MESSAGE_SIZE = 5 };
static pid_t watchdog_groups[WATCHDOG_CAPACITY];
static int watchdog_count;

static void watchdog_add(pid_t group) {
    for (int i = 0; i < watchdog_count; i++) if (watchdog_groups[i] == group) return;
    if (watchdog_count < WATCHDOG_CAPACITY) watchdog_groups[watchdog_count++] = group;
}

static void watchdog_remove_at(int index) {
    watchdog_groups[index] = watchdog_groups[--watchdog_count];
}

/// Forgets groups with no process left, so their number can never name a stranger's group.
static void watchdog_prune(void) {
    for (int i = 0; i < watchdog_count;) {
        if (kill(-watchdog_groups[i], 0) != 0 && errno == ESRCH) watchdog_remove_at(i);
        else i++;
    }
}

static void sleep_milliseconds(long milliseconds) {
    struct timespec pause = { milliseconds / 1000, (milliseconds % 1000) * 1000000L };
    while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {}
}

/// The driver is gone: SIGTERM to every group, SIGKILL to what is left after two seconds.
static void watchdog_stop_all(void) {
    watchdog_prune();
    for (int i = 0; i < watchdog_count; i++) kill(-watchdog_groups[i], SIGTERM);
    for (int waited = 0; waited < 2000 && watchdog_count > 0; waited += 20) {
        sleep_milliseconds(20);
        watchdog_prune();
    }
    for (int i = 0; i < watchdog_count; i++) kill(-watchdog_groups[i], SIGKILL);
}

static void close_all_but(int keep) {
    if (keep > 3) {
        if (syscall(SYS_close_range, 3U, (unsigned)(keep - 1), 0U) != 0)
            for (int fd = 3; fd < keep; fd++) close(fd);
    }
    if (syscall(SYS_close_range, (unsigned)(keep + 1), ~0U, 0U) != 0)
        for (int fd = keep + 1; fd < 65536; fd++) close(fd);
}

/// Overwrites the inherited command line (this process's copy of it), so that `ps` shows
/// `tandem-watchdog` and a `pkill -f <driver>` aimed at the driver does not take the watchdog along.
static void rename_command_line(char **argv, int argc) {
    static const char name[] = "tandem-watchdog";
    if (argv == NULL || argc < 1 || argv[0] == NULL) return;
    char *start = argv[0];
    char *end = argv[argc - 1] + strlen(argv[argc - 1]);
    size_t room = (size_t)(end - start);
    if (end < start || room < sizeof name - 1) return;
    memset(start, 0, room);
    memcpy(start, name, sizeof name - 1);
}

static _Noreturn void watchdog_main(int input, char **argv, int argc) {
    prctl(PR_SET_NAME, "tandem-watchdog", 0, 0, 0);
    rename_command_line(argv, argc);
    // Its own process group: a Ctrl-C in the terminal reaches the driver's group, not this one.
    setpgid(0, 0);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    // Nothing of the driver stays open here: not its sockets, not its output pipes (a reader
    // of the driver's output would otherwise wait for this process too).
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (null > 2 && null != input) close(null);
    }
    close_all_but(input);

    unsigned char buffer[MESSAGE_SIZE * 64];
    size_t have = 0;
    for (;;) {
        struct pollfd waiting = { input, POLLIN, 0 };
        int ready = poll(&waiting, 1, 1000);
        if (ready < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (ready == 0) {
            watchdog_prune();
            continue;
        }
        ssize_t n = read(input, buffer + have, sizeof(buffer) - have);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            break;
        }
        if (n == 0) break;  // every write end is closed: the driver is gone
        have += (size_t)n;
        size_t used = 0;
        while (have - used >= MESSAGE_SIZE) {
            int32_t group;
            memcpy(&group, buffer + used + 1, sizeof group);
            if (buffer[used] == '+' && group > 1) watchdog_add((pid_t)group);
            used += MESSAGE_SIZE;
        }
        memmove(buffer, buffer + used, have - used);
        have -= used;
    }
    watchdog_stop_all();
    _exit(0);
}

int CTandemSpawn_startWatchdog(int *write_fd, pid_t *pid, char **argv, int argc) {
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) != 0) return errno;
    pid_t child = fork();
    if (child < 0) {
        int error = errno;
        close(ends[0]);
        close(ends[1]);
        return error;
    }
    if (child == 0) {
        close(ends[1]);
        watchdog_main(ends[0], argv, argc);
    }
    close(ends[0]);
    *write_fd = ends[1];
    *pid = child;
    return 0;
}

int CTandemSpawn_watchGroup(int write_fd, pid_t group) {
    unsigned char message[MESSAGE_SIZE];
    int32_t value = (int32_t)group;
    message[0] = '+';
    memcpy(message + 1, &value, sizeof value);
    // A watchdog that is gone must not kill the driver with SIGPIPE: block it around the write
    // and take a pending one away.
    sigset_t pipe_only, previous;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
    ssize_t written;
    do { written = write(write_fd, message, sizeof message); } while (written < 0 && errno == EINTR);
    int error = written == (ssize_t)sizeof message ? 0 : (written < 0 ? errno : EIO);
    if (error == EPIPE) {
        struct timespec zero = { 0, 0 };
        sigtimedwait(&pipe_only, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    return error;
}
