/// How a pass runs: on which threads, with which kernels, and whether in training mode
/// (batch statistics, dropout) or inference mode (moving statistics, no dropout).
public struct PassContext: @unchecked Sendable {
    /// The threads that run the kernels.
    public let pool: ComputePool
    /// Training mode when `true`.
    public let training: Bool
    /// The instruction set the `Float` kernels run (``KernelSet/active`` unless given).
    public let kernels: KernelSet

    /// Creates a context.
    public init(pool: ComputePool, training: Bool, kernels: KernelSet = .active) {
        self.pool = pool
        self.training = training
        self.kernels = kernels
    }
}
