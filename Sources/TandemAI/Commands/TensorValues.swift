import CRedisModule
import TandemTensor

/// The `VALUES` form of tensors: parsing `AI.TENSORSET … VALUES v1 … vN` and replying
/// `AI.TENSORGET … VALUES`.
enum TensorValues {
    static let invalidValue = CommandError("ERR invalid value")

    /// Parses `count` values starting at `args[first]` into a new tensor.
    static func parse(_ args: Arguments, from first: Int, dtype: DType, shape: [Int64],
                      count: Int) throws(CommandError) -> TensorValue {
        if dtype == .string { return try parseStrings(args, from: first, shape: shape, count: count) }
        guard let bytes = TensorValue.byteCount(of: dtype, count: count) else { throw invalidValue }
        let data = rm_alloc(max(bytes, 1))!
        // Owned by the tensor from here on, so a parse error frees it.
        let tensor = TensorValue(dtype: dtype, shape: shape, count: count, adopting: data, byteCount: bytes)
        if dtype.isFloatingPoint {
            for i in 0..<count {
                guard let value = args.double(first + i) else { throw invalidValue }
                dtype.store(double: value, at: i, in: data)
            }
        } else if let range = dtype.integerRange {
            for i in 0..<count {
                guard let value = args.integer(first + i), range.contains(value) else { throw invalidValue }
                dtype.store(integer: value, at: i, in: data)
            }
        }
        return tensor
    }

    /// Each value is one STRING element; it may end with one NUL, and holds no other NUL.
    private static func parseStrings(_ args: Arguments, from first: Int, shape: [Int64],
                                     count: Int) throws(CommandError) -> TensorValue {
        var total = 0
        for i in 0..<count {
            let value = args.bytes(first + i)
            let body = value.last == 0 ? value.count - 1 : value.count
            for j in 0..<body where value[j] == 0 {
                throw CommandError("ERR C-string value contains null character")
            }
            let (sum, overflow) = total.addingReportingOverflow(body + 1)
            guard !overflow else { throw invalidValue }
            total = sum
        }
        let data = rm_alloc(max(total, 1))!
        var offset = 0
        for i in 0..<count {
            let value = args.bytes(first + i)
            let body = value.last == 0 ? value.count - 1 : value.count
            if body > 0, let base = value.baseAddress { (data + offset).copyMemory(from: base, byteCount: body) }
            data.storeBytes(of: 0, toByteOffset: offset + body, as: UInt8.self)
            offset += body + 1
        }
        return TensorValue(dtype: .string, shape: shape, count: count, adopting: data, byteCount: total)
    }

    /// Replies an array of the tensor's elements: bulk `%.17g` doubles for FLOAT/DOUBLE,
    /// integers for integer and BOOL types, bulk strings (up to the NUL) for STRING.
    static func reply(_ tensor: TensorValue, in ctx: Context) {
        ctx.replyArray(tensor.count)
        let data = UnsafeRawPointer(tensor.data)
        switch tensor.dtype {
        case .float, .double:
            for i in 0..<tensor.count { ctx.reply(double: tensor.dtype.loadDouble(at: i, from: data)) }
        case .string:
            let bytes = tensor.bytes
            var replied = 0
            tensor.forEachStringOffset { start in
                guard replied < tensor.count else { return }
                var end = start
                while end < bytes.count && bytes[end] != 0 { end += 1 }
                ctx.reply(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                replied += 1
            }
            // A valid STRING tensor has exactly `count` elements; pad defensively.
            while replied < tensor.count { ctx.reply(bulk: ""); replied += 1 }
        default:
            for i in 0..<tensor.count { ctx.reply(integer: tensor.dtype.loadInteger(at: i, from: data)) }
        }
    }
}
