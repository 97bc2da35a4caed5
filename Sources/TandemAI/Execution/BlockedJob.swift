import CRedisModule
import Glibc

/// Work done off Redis's main thread for a blocked client (see “Blocked clients” in
/// Documentation/RedisModule.md).
///
/// The flow: the command callback builds a job and calls ``start(in:pool:)``, which
/// blocks the client and queues the job; a worker calls ``execute()`` and unblocks the
/// client; Redis then calls ``reply(_:)`` on the main thread (unless the client left), and
/// always ``releaseOnMainThread()``. Subclasses override those three.
class BlockedJob: @unchecked Sendable {
    private var blockedClient: OpaquePointer?
    /// When the job was queued (monotonic nanoseconds).
    private(set) var queuedAt: UInt64 = 0

    /// Runs on a worker thread. Must not touch the keyspace or Redis strings.
    func execute() {}

    /// Runs on the main thread with the job's results; sends the one reply.
    func reply(_ ctx: Context) throws(CommandError) {}

    /// Runs on the main thread when Redis frees the job, whether or not ``reply(_:)`` ran.
    func releaseOnMainThread() {}

    /// Blocks the calling client and queues the job (main thread, in a command callback).
    ///
    /// - Throws: when Redis refuses to block the client (the job is then released).
    final func start(in ctx: Context, pool: WorkerPool) throws(CommandError) {
        guard let client = rm_block_client(ctx.raw, blockedReply, nil, blockedFree, 0) else {
            releaseOnMainThread()
            throw CommandError("ERR could not block the client")
        }
        blockedClient = client
        _ = rm_blocked_client_measure_time_start(client)
        queuedAt = BlockedJob.now()
        pool.enqueue(self)
    }

    /// Called by the worker that took the job.
    final func runOnWorker() {
        execute()
        finishOnWorker()
    }

    /// Hands the job back to the main thread once its work is done (a worker that ran it
    /// with others in one batch calls this for each).
    final func finishOnWorker() {
        guard let client = blockedClient else { return }
        _ = rm_blocked_client_measure_time_end(client)
        _ = rm_unblock_client(client, Unmanaged.passRetained(self).toOpaque())
    }

    /// Monotonic time in nanoseconds.
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}

/// The reply callback of every blocked job (main thread).
private let blockedReply: RedisModuleCmdFunc = { ctx, _, _ in
    guard let ctx, let raw = rm_get_blocked_client_private_data(ctx) else { return Int32(CRM_OK) }
    let job = Unmanaged<BlockedJob>.fromOpaque(raw).takeUnretainedValue()
    let context = Context(ctx)
    do throws(CommandError) { try job.reply(context) } catch { context.replyError(error.message) }
    return Int32(CRM_OK)
}

/// The free callback of every blocked job (main thread): drops the reference passed to
/// `UnblockClient`.
private let blockedFree: RedisModuleFreePrivDataFunc = { _, privdata in
    guard let privdata else { return }
    let job = Unmanaged<BlockedJob>.fromOpaque(privdata).takeRetainedValue()
    job.releaseOnMainThread()
}
