/// A zero-initialised scratch buffer that grows on demand and is otherwise reused, so hot
/// loops allocate nothing once the first batch has run.
///
/// Growing keeps no contents; the new storage is zeroed. Kernels rely on that: bytes past
/// what they write stay finite, so reading a little past a row never brings in a NaN.
final class Workspace<Scalar: NNScalar>: @unchecked Sendable {
    private(set) var base: UnsafeMutablePointer<Scalar>
    private(set) var capacity: Int

    init(capacity: Int = 0) {
        self.capacity = max(capacity, 1)
        base = .allocate(capacity: self.capacity)
        base.initialize(repeating: 0, count: self.capacity)
    }

    deinit { base.deallocate() }

    /// Makes room for `count` elements and returns the start of the buffer.
    @discardableResult
    func reserve(_ count: Int) -> UnsafeMutablePointer<Scalar> {
        if count > capacity {
            base.deallocate()
            capacity = count + count / 4
            base = .allocate(capacity: capacity)
            base.initialize(repeating: 0, count: capacity)
        }
        return base
    }

    /// Sets the first `count` elements to zero (after making room for them).
    func zero(_ count: Int) {
        reserve(count).update(repeating: 0, count: count)
    }
}

/// One ``Workspace`` per worker of a ``ComputePool``, so parallel tasks never share scratch.
final class WorkerWorkspaces<Scalar: NNScalar>: @unchecked Sendable {
    private var spaces: [Workspace<Scalar>] = []

    subscript(worker: Int) -> Workspace<Scalar> {
        spaces[worker]
    }

    /// Makes sure there are `workers` workspaces.
    func prepare(workers: Int) {
        // Assigned, never appended in place: a mutation in place would make every read of
        // `spaces` a dynamically checked access.
        if spaces.count < workers { spaces = spaces + (spaces.count..<workers).map { _ in Workspace() } }
    }
}
