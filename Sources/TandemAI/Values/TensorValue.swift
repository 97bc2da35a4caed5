import CRedisModule
import TandemTensor

/// A tensor stored in a key: immutable once made, its bytes in Redis-allocated memory so
/// they count in `used_memory`.
///
/// The class is shared by reference: a running job keeps the tensors it reads alive even if
/// their keys are deleted meanwhile. `deinit` may run on any thread (Redis's lazy-free
/// thread, a worker), and only calls `RedisModule_Free`.
final class TensorValue: @unchecked Sendable {
    /// The element type.
    let dtype: DType
    /// The dimensions, outermost first; empty for a scalar.
    let shape: [Int64]
    /// The number of elements (1 for a scalar).
    let count: Int
    /// The bytes: row-major, host byte order; for STRING the NUL-ended elements. Read
    /// only once the tensor is made, and not necessarily aligned.
    let data: UnsafeMutableRawPointer
    /// The number of bytes at `data`.
    let byteCount: Int
    /// The Redis string holding `data` when the tensor shares a command argument instead of
    /// owning a `RedisModule_Alloc` buffer.
    private let owner: OpaquePointer?

    /// Adopts `data`, which must come from `RedisModule_Alloc` and hold `byteCount` bytes
    /// that have already been validated against `dtype` and `shape`.
    init(dtype: DType, shape: [Int64], count: Int, adopting data: UnsafeMutableRawPointer, byteCount: Int) {
        self.dtype = dtype
        self.shape = shape
        self.count = count
        self.data = data
        self.byteCount = byteCount
        self.owner = nil
    }

    /// Shares the bytes of a command argument (no copy, as `SET` stores its argument),
    /// validated by the caller, by holding a reference to the Redis string.
    ///
    /// Only for a command run directly by a client (not inside MULTI or Lua): Redis then
    /// drops its own references before anything else runs, so this tensor is the string's
    /// only owner and may release it on any thread (`RedisModuleString` reference counts
    /// are not atomic).
    init?(dtype: DType, shape: [Int64], count: Int, holding argument: OpaquePointer) {
        guard let held = rm_hold_string(nil, argument) else { return nil }
        var length = 0
        guard let pointer = rm_string_ptr_len(held, &length) else {
            rm_free_string(nil, held)
            return nil
        }
        self.dtype = dtype
        self.shape = shape
        self.count = count
        self.data = UnsafeMutableRawPointer(mutating: pointer)
        self.byteCount = length
        self.owner = held
    }

    deinit {
        if let owner { rm_free_string(nil, owner) } else { rm_free(data) }
    }

    /// The bytes as a buffer.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: data, count: byteCount) }

    /// The bytes a fixed-size tensor of this shape needs, or `nil` on overflow.
    static func byteCount(of dtype: DType, count: Int) -> Int? {
        guard let size = dtype.elementSize else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
        return overflow ? nil : bytes
    }

    /// The element count of `shape` (1 for a scalar), or `nil` when a dimension is below 1
    /// or the product overflows.
    static func elementCount(of shape: [Int64]) -> Int? {
        var count = 1
        for dim in shape {
            guard dim > 0, let d = Int(exactly: dim) else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Makes a tensor holding a copy of `source`, which the caller has validated.
    static func copying(_ source: UnsafeRawBufferPointer, dtype: DType, shape: [Int64], count: Int) -> TensorValue {
        let data = rm_alloc(max(source.count, 1))!
        if let base = source.baseAddress, source.count > 0 { data.copyMemory(from: base, byteCount: source.count) }
        return TensorValue(dtype: dtype, shape: shape, count: count, adopting: data, byteCount: source.count)
    }

    /// Number of NUL bytes in `bytes` (the element count of a STRING blob).
    static func nulCount(_ bytes: UnsafeRawBufferPointer) -> Int {
        var n = 0
        for byte in bytes where byte == 0 { n += 1 }
        return n
    }

    /// Calls `body` with the start offset of every STRING element, in order.
    func forEachStringOffset(_ body: (Int) -> Void) {
        var start = 0
        let bytes = self.bytes
        for i in 0..<bytes.count where bytes[i] == 0 {
            body(start)
            start = i + 1
        }
    }

    /// The bytes Redis should account for this value (`MEMORY USAGE`).
    var memoryUsage: Int { byteCount + shape.count * 8 + 64 }
}

extension TensorValue {
    /// A copy as a ``Tensor`` for a model runtime, or `nil` for scalars (a `Tensor` has at
    /// least one dimension).
    func makeTensor() -> Tensor? {
        var dims: [Int] = []
        dims.reserveCapacity(shape.count)
        for d in shape { guard let v = Int(exactly: d) else { return nil }; dims.append(v) }
        return try? Tensor(dtype: dtype, shape: dims, bytes: Array(bytes))
    }

    /// A stored copy of a runtime's output tensor.
    static func copying(_ tensor: Tensor) -> TensorValue {
        tensor.bytes.withUnsafeBytes {
            copying($0, dtype: tensor.dtype, shape: tensor.shape.map { Int64($0) }, count: tensor.count)
        }
    }
}
