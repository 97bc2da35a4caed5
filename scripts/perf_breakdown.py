#!/usr/bin/env python3
"""Where the CPU goes per request in the auto-batching benchmark, from a `perf script` dump.

Reads `perf script -F comm,pid,tid,time,period,ip,sym,dso --ns` of a system-wide
`perf record -e cpu-clock -g -k CLOCK_MONOTONIC` (scripts/profile-auto-batching.sh makes
both), the round log the benchmark writes with TANDEM_BENCH_ROUND_LOG, and the pids of the
benchmark and of its redis-server processes. Samples outside the measured rounds, or of
other processes, are dropped.

For each model and each variant (batched, plain) it prints:
- CPU microseconds per request by thread group (redis main thread, the module's worker
  threads, other redis threads, the client process);
- a ranked breakdown by category (command parsing, tensor copies, blocking and unblocking,
  thread hand-offs, the model's kernels, Swift runtime, allocation, syscalls, ...), each
  sample counted once, in the first category whose rule matches (rules in CATEGORIES);
- the top leaf functions (self time) and the top inclusive module functions.

With --folded DIR it also writes folded stacks (`frame;frame;... count`, root first) per
model and variant, the input format of flame graph tools.

Only the Python standard library; Swift symbols are demangled with `swift demangle` when it
is on PATH.
"""
import argparse
import collections
import os
import re
import shutil
import subprocess
import sys

# Categories. A sample whose stack holds a model frame is the model's (PRIORITY); otherwise
# its frames are read from the sampled function outwards and the first frame that matches a
# rule of FRAME_RULES (in order) decides; a sample no frame matches falls back on its sampled
# function's object file (FALLBACK). Patterns match demangled names (kernel and C names as
# they are); a rule with "user" skips kernel frames, one with "dso" matches the frame's
# object file instead of its name.
PRIORITY = [
    ("model kernels (OpenBLAS)", r"libopenblas"),
    ("model kernels (TandemNN, TandemONNX, C kernels)",
     r"Predictor|Conv2D|ConvKernel|DirectConv|FusedSession\.run|Replica\.execute|Operator\.run|GemmOperator|ComputePool|^tandem_|KernelSet"),
]
FRAME_RULES = [
    ("tensor copies (memcpy/memmove)", "user", r"memcpy|memmove|copyMemory|__memcpy|__memmove"),
    ("Swift retain/release", "user", r"swift_(retain|release|bridgeObjectRetain|bridgeObjectRelease|unknownObjectRe)|swift_isUniquelyReferenced"),
    ("Swift exclusivity checks", "user", r"swift_beginAccess|swift_endAccess"),
    ("Swift dynamic casts, metadata", "user", r"swift_dynamicCast|swift_conformsTo|GenericMetadata|swift_getTypeByMangled|swift_getAssociated|swift_checkMetadataState|swift_getWitnessTable|swift_getObjectType"),
    ("allocation (malloc/free, jemalloc, Swift objects, sds)", "user",
     r"^(malloc|free|calloc|realloc|cfree|posix_memalign|aligned_alloc|_int_malloc|_int_free|tcache|swift_allocObject|swift_deallocObject|swift_deallocClassInstance|swift_slowAlloc|swift_slowDealloc|zmalloc|zfree|ztrymalloc|zcalloc|zrealloc|ztrycalloc|RM_Alloc|RM_Free|RM_Calloc|sdsnewlen|_sdsnewlen|sdsMakeRoomFor|sdsfree|sdsRemoveFreeSpace|sdsResize)|^je_|jemalloc|arena_|tcache_"),
    ("thread hand-offs (block/unblock, futex, condvars, mutexes)", "any",
     r"futex|pthread_cond|pthread_mutex|__lll_lock|__lll_unlock|pipe_write|pipe_read|eventfd|sched_yield|RM_BlockClient|moduleBlockClient|RM_UnblockClient|moduleUnblockClient|moduleHandleBlockedClients|blockedBeforeSleep|unblockClient|WorkerPool\.enqueue|WorkerPool\.work|PthreadMutex"),
    ("scheduler (context switches, wake-ups)", "any",
     r"^(schedule|__schedule|try_to_wake_up|finish_task_switch|__switch_to|pick_next_task|enqueue_task|dequeue_task|ttwu_|wake_up_|__wake_up|psi_|update_curr|update_load_avg|set_next_entity|context_switch)"),
    ("socket I/O (read/write, TCP over loopback)", "any",
     r"tcp_|sock_|sk_|__sys_sendto|__sys_recvfrom|ksys_write|ksys_read|vfs_write|vfs_read|__libc_write|__libc_read|^write$|^read$|writev|connSocket|_writeToClient|writeToClient|readQueryFromClient|inet_|^ip_|netif|net_rx|loopback|skb|dev_queue|__send|__recv|^send$|^recv$|RedisConnection|Socket"),
    ("event loop (epoll)", "any", r"epoll|aeProcessEvents|aeApiPoll|ep_poll"),
    ("syscall entry/exit", "any", r"entry_SYSCALL|syscall_exit|do_syscall|syscall_return|exit_to_user|__x64_sys"),
    ("redis command parsing (protocol, argv)", "any",
     r"processMultibulkBuffer|processInlineBuffer|processInputBuffer|createStringObject|createObject|createRawStringObject|createEmbeddedStringObject|lookupCommand|resetClient|freeClientArgv|decrRefCount|string2ll|Arguments\.|RESPEncoder|RESPDecoder|RESP\."),
    ("redis replies", "any", r"addReply|_addReplyToBuffer|prepareClientToWrite|setDeferred|RM_ReplyWith|Context\.reply"),
    ("redis keyspace (lookup, dict, set value)", "any",
     r"lookupKey|dictFind|dictAdd|dbAdd|setKey|RM_OpenKey|RM_CloseKey|RM_ModuleType|moduleType|signalModifiedKey|notifyKeyspaceEvent|dictSdsHash|siphash|touchWatchedKey|trackingInvalidate|Context\.withKey|Key\."),
    ("redis propagation (AOF/replication of outputs)", "any", r"alsoPropagate|propagate|RM_Replicate|replicationFeed|feedAppendOnly|moduleReplicate|TensorType\.replicate|StringVector"),
    ("redis call/stat bookkeeping", "any",
     r"^call$|processCommand|updateCommandLatency|ustime|mstime|getMonotonicUs|commandTimeSnapshot|afterCommand|postExecutionUnitOperations|beforeSleep|clientsCron|serverCron|updateStatsOnUnblock|latency"),
    ("module statistics and timing", "any", r"Statistics\.|BlockedJob\.now|clock_gettime|__vdso"),
    ("module request path (TandemAI, other)", "dso", r"libTandemAI"),
    ("client path (tandem-bench, TandemRedis, Foundation)", "dso", r"tandem-bench|libFoundation|libdispatch"),
]
FALLBACK = [
    ("kernel (other)", r"kernel"),
    ("libc (other)", r"libc"),
    ("redis (other)", r"redis-server"),
    ("module (other)", r"TandemAI"),
]

SAMPLE_HEADER = re.compile(r"^(?P<comm>.+?)\s+(?P<pid>\d+)/(?P<tid>\d+)\s+(?P<time>\d+\.\d+):\s+(?P<period>\d+)?\s*")
FRAME = re.compile(r"^\s+(?P<ip>[0-9a-f]+)\s+(?P<sym>.*?)\s+\((?P<dso>[^)]*)\)\s*$")


def demangler(names):
    """Maps mangled Swift names to simplified demangled ones (identity without swift)."""
    swift = shutil.which("swift-demangle") or shutil.which("swift")
    mangled = sorted({n for n in names if n.startswith("$s") or n.startswith("_$s")})
    if not swift or not mangled:
        return {}
    command = [swift] if swift.endswith("swift-demangle") else [swift, "demangle"]
    command += ["--simplified", "--compact"]
    out = subprocess.run(command, input="\n".join(mangled) + "\n", capture_output=True, text=True).stdout.splitlines()
    return dict(zip(mangled, out)) if len(out) == len(mangled) else {}


def strip_offset(sym):
    return re.sub(r"\+0x[0-9a-f]+$", "", sym)


def read_samples(path):
    """Yields (comm, pid, tid, time_ns, period, [(sym, dso), ...] leaf first)."""
    with open(path, errors="replace") as f:
        header, frames = None, []
        for line in f:
            if not line.strip():
                if header:
                    yield header + (frames,)
                header, frames = None, []
                continue
            if header is None:
                m = SAMPLE_HEADER.match(line)
                if m:
                    seconds, fraction = m.group("time").split(".")
                    ns = int(seconds) * 10**9 + int(fraction.ljust(9, "0")[:9])
                    header = (m.group("comm"), int(m.group("pid")), int(m.group("tid")), ns, int(m.group("period") or 1))
                continue
            m = FRAME.match(line)
            if m:
                frames.append((strip_offset(m.group("sym")), m.group("dso")))
        if header:
            yield header + (frames,)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("script", help="perf script output")
    parser.add_argument("rounds", help="the benchmark's round log")
    parser.add_argument("--bench-pid", type=int, required=True)
    parser.add_argument("--redis-pids", required=True, help="comma-separated redis-server pids")
    parser.add_argument("--requests-per-round", required=True,
                        help="model=count,... requests in one round of each model")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--folded", help="directory for folded stacks")
    args = parser.parse_args()

    redis_pids = {int(p) for p in args.redis_pids.split(",") if p}
    per_round = dict((k, int(v)) for k, v in (item.split("=") for item in args.requests_per_round.split(",")))
    windows = []
    with open(args.rounds) as f:
        for line in f:
            model, key, _, start, end = line.split()
            windows.append((int(start), int(end), model, key))
    windows.sort()
    rounds = collections.Counter((m, k) for _, _, m, k in windows)

    samples = []
    names = set()
    for comm, pid, tid, time, period, frames in read_samples(args.script):
        if pid != args.bench_pid and pid not in redis_pids:
            continue
        window = next(((m, k) for s, e, m, k in windows if s <= time <= e), None)
        if window is None:
            continue
        samples.append((window, comm, pid, tid, frames))
        names.update(sym for sym, _ in frames)
    if not samples:
        sys.exit("no samples inside the measured rounds")
    demangled = demangler(names)
    # Microseconds one sample stands for: the sampling period (cpu-clock counts nanoseconds).
    period_us = None

    def name(sym):
        return demangled.get(sym, sym)

    priority = [(label, re.compile(pattern)) for label, pattern in PRIORITY]
    rules = [(label, scope, re.compile(pattern)) for label, scope, pattern in FRAME_RULES]
    fallback = [(label, re.compile(pattern)) for label, pattern in FALLBACK]

    def categorize(frames):
        named = [(name(s), d) for s, d in frames]
        for label, pattern in priority:
            if any(pattern.search(s) or pattern.search(d) for s, d in named):
                return label
        for sym, dso in named:
            kernel = "kernel" in dso
            for label, scope, pattern in rules:
                if scope == "user" and kernel:
                    continue
                if pattern.search(dso if scope == "dso" else sym):
                    return label
        if named:
            for label, pattern in fallback:
                if pattern.search(named[0][1]):
                    return label
        return "other"

    def group(comm, pid, tid):
        if pid == args.bench_pid:
            return "clients (tandem-bench)"
        if tid == pid:
            return "redis main thread"
        if comm.startswith("ai-"):
            # The queue's workers, and the compute-pool threads a run starts (they inherit the name).
            return "module workers (" + comm + ")"
        return "redis other threads (" + comm + ")"

    return report(samples, rounds, per_round, categorize, group, name, args)


def report(samples, rounds, per_round, categorize, group, name, args):
    by_window = collections.defaultdict(list)
    for window, comm, pid, tid, frames in samples:
        by_window[window].append((group(comm, pid, tid), frames))
    rate = os.environ.get("PERF_FREQUENCY")
    sample_us = 1e6 / float(rate) if rate else None
    for window in sorted(by_window):
        model, key = window
        entries = by_window[window]
        requests = rounds[window] * per_round.get(model, 0)
        total = len(entries)
        print(f"\n=== {model} / {key}: {rounds[window]} rounds, {requests} requests, {total} samples"
              + (f" ({total * sample_us / requests:.0f} µs CPU per request)" if sample_us and requests else ""))

        def per_request(count):
            return f"{count * sample_us / requests:7.1f} µs/req" if sample_us and requests else ""

        groups = collections.Counter(g for g, _ in entries)
        print("-- by thread")
        for g, count in groups.most_common():
            print(f"  {100 * count / total:5.1f}%  {per_request(count)}  {g}")
        for scope, chosen in [("all threads", None)] + [(g, g) for g, _ in groups.most_common(3)]:
            subset = [frames for g, frames in entries if chosen is None or g == chosen]
            if not subset:
                continue
            print(f"-- by category ({scope}, {len(subset)} samples)")
            categories = collections.Counter(categorize(frames) for frames in subset)
            for label, count in categories.most_common():
                print(f"  {100 * count / total:5.1f}%  {per_request(count)}  {label}")
        print("-- top leaf functions (self), all threads")
        leaves = collections.Counter(f"{name(frames[0][0])}  [{os.path.basename(frames[0][1])}]" for _, frames in entries if frames)
        for label, count in leaves.most_common(args.top):
            print(f"  {100 * count / total:5.1f}%  {per_request(count)}  {label[:150]}")
        print("-- top module and kernel functions (inclusive), all threads")
        inclusive = collections.Counter()
        for _, frames in entries:
            seen = set()
            for sym, dso in frames:
                if "TandemAI" in dso or "tandem-bench" in dso:
                    n = name(sym)
                    if n not in seen:
                        seen.add(n)
                        inclusive[n] += 1
        for label, count in inclusive.most_common(args.top):
            print(f"  {100 * count / total:5.1f}%  {per_request(count)}  {label[:150]}")
        if args.folded:
            os.makedirs(args.folded, exist_ok=True)
            folded = collections.Counter()
            for g, frames in entries:
                stack = [g] + [name(s).replace(";", ",") for s, _ in reversed(frames)]
                folded[";".join(stack)] += 1
            with open(os.path.join(args.folded, f"{model}-{key}.folded"), "w") as out:
                for stack, count in folded.most_common():
                    out.write(f"{stack} {count}\n")


if __name__ == "__main__":
    main()
