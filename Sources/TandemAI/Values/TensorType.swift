import CRedisModule
import TandemTensor

/// The `AI_TENSOR` data type's callbacks: RDB load/save (encoding 4, RedisAI's layout), AOF rewrite,
/// memory usage, free and copy.
///
/// `rdb_save` and `aof_rewrite` may run in a forked child: they only read the immutable
/// tensor and take no lock. `free` may run on Redis's lazy-free thread.
enum TensorType {
    static func register(_ ctx: OpaquePointer) -> OpaquePointer? {
        var methods = RedisModuleTypeMethods()
        methods.version = UInt64(CRM_TYPE_METHOD_VERSION)
        methods.rdb_load = { io, version in TensorType.load(io, version) }
        methods.rdb_save = { io, value in
            guard let io, let value else { return }
            TensorType.save(Unmanaged<TensorValue>.fromOpaque(value).takeUnretainedValue(), to: io)
        }
        methods.aof_rewrite = { io, key, value in
            guard let io, let key, let value else { return }
            TensorType.rewrite(Unmanaged<TensorValue>.fromOpaque(value).takeUnretainedValue(), key: key, to: io)
        }
        methods.mem_usage = { value in
            guard let value else { return 0 }
            return Unmanaged<TensorValue>.fromOpaque(value).takeUnretainedValue().memoryUsage
        }
        methods.free = { value in
            guard let value else { return }
            Unmanaged<TensorValue>.fromOpaque(value).release()
        }
        // Tensors are immutable, so a copy can share the value.
        methods.copy = { _, _, value in
            guard let value else { return nil }
            return Unmanaged.passRetained(Unmanaged<TensorValue>.fromOpaque(value).takeUnretainedValue()).toOpaque()
        }
        return rm_create_data_type(ctx, "AI_TENSOR", DataTypes.encodingVersion, &methods)
    }

    /// Encoding 4: dtype code, bits, ndims, dims, the data, then (STRING) each element offset.
    static func save(_ tensor: TensorValue, to io: OpaquePointer) {
        rm_save_unsigned(io, tensor.dtype.dlpackCode)
        rm_save_unsigned(io, tensor.dtype.dlpackBits)
        rm_save_signed(io, Int64(tensor.shape.count))
        for dim in tensor.shape { rm_save_signed(io, dim) }
        rm_save_string_buffer(io, tensor.data, tensor.byteCount)
        if tensor.dtype == .string {
            tensor.forEachStringOffset { rm_save_unsigned(io, UInt64($0)) }
        }
    }

    /// Reads what ``save(_:to:)`` wrote, validating everything; `nil` on any problem (Redis
    /// then reports bad data instead of the module trapping).
    static func load(_ io: OpaquePointer?, _ version: Int32) -> UnsafeMutableRawPointer? {
        guard let io else { return nil }
        guard version == DataTypes.encodingVersion else {
            Log.warning("AI_TENSOR: unsupported encoding version \(version) (TandemAI reads version 4)")
            return nil
        }
        let code = rm_load_unsigned(io)
        let bits = rm_load_unsigned(io)
        let ndims = rm_load_signed(io)
        guard rm_is_io_error(io) == 0, let dtype = DType(dlpackCode: code, bits: bits), ndims >= 0 else { return nil }
        var shape: [Int64] = []
        shape.reserveCapacity(Int(min(ndims, 64)))
        for _ in 0..<ndims {
            let dim = rm_load_signed(io)
            guard rm_is_io_error(io) == 0, dim > 0 else { return nil }
            shape.append(dim)
        }
        guard let count = TensorValue.elementCount(of: shape) else { return nil }
        var length = 0
        guard let buffer = rm_load_string_buffer(io, &length) else { return nil }
        // From here the tensor owns the buffer: returning nil frees it.
        let tensor = TensorValue(dtype: dtype, shape: shape, count: count, adopting: buffer, byteCount: length)
        guard rm_is_io_error(io) == 0, length > 0 else { return nil }
        if dtype == .string {
            guard tensor.bytes.last == 0, TensorValue.nulCount(tensor.bytes) == count else { return nil }
            // Each stored element offset must be where that element starts in the data.
            var offsetsMatch = true
            tensor.forEachStringOffset { start in
                guard offsetsMatch else { return }
                let offset = rm_load_unsigned(io)
                offsetsMatch = rm_is_io_error(io) == 0 && offset == UInt64(start)
            }
            guard offsetsMatch else { return nil }
        } else {
            guard TensorValue.byteCount(of: dtype, count: count) == length else { return nil }
            if dtype == .bool && tensor.bytes.contains(where: { $0 > 1 }) { return nil }
        }
        return Unmanaged.passRetained(tensor).toOpaque()
    }

    /// `AI.TENSORSET key <TYPE> d1 … dn BLOB <bytes>` (the key passed with `s`: it is a stack object).
    static func rewrite(_ tensor: TensorValue, key: OpaquePointer, to io: OpaquePointer) {
        var vector = tensorSetArguments(tensor)
        vector.withVector { rm_emit_aof_sv(io, "AI.TENSORSET", key, $0, $1) }
    }

    /// Replicates a tensor written by a model run as `AI.TENSORSET … BLOB …`, as RedisAI does.
    static func replicate(_ tensor: TensorValue, key: OpaquePointer, in ctx: Context) {
        var vector = tensorSetArguments(tensor)
        _ = vector.withVector { rm_replicate_sv(ctx.raw, "AI.TENSORSET", key, $0, $1) }
    }

    private static func tensorSetArguments(_ tensor: TensorValue) -> StringVector {
        var vector = StringVector()
        vector.append(tensor.dtype.rawValue)
        for dim in tensor.shape { vector.append(dim) }
        vector.append("BLOB")
        vector.append(tensor.bytes)
        return vector
    }
}
