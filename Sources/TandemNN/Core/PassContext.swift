/// How a pass runs: on which threads, and whether in training mode (batch statistics,
/// dropout) or inference mode (moving statistics, no dropout).
public struct PassContext: @unchecked Sendable {
    /// The threads that run the kernels.
    public let pool: ComputePool
    /// Training mode when `true`.
    public let training: Bool

    /// Creates a context.
    public init(pool: ComputePool, training: Bool) {
        self.pool = pool
        self.training = training
    }
}
