import CRedisModule
import TandemTensor

/// `AI.TENSORSET <key> <type> [<dim> ...] [BLOB <data> | VALUES <v1> ... <vN>]`
/// (see “Commands” in Documentation/RedisModule.md).
///
/// Checks run in RedisAI's order: arity, the key's type, the data type, the shape, then the
/// data. Every size is computed with overflow checks; nothing in the request can trap.
enum TensorSet {
    /// The largest tensor created without data (zero-filled): a shape alone must not be
    /// able to make Redis allocate without bound (RedisAI sets no limit).
    static let maximumZeroFilledBytes = 1 << 29

    static func run(_ ctx: Context, _ args: Arguments) throws(CommandError) {
        guard args.count >= 4, let name = args[1] else { throw .wrongArity("AI.TENSORSET") }
        // Outside MULTI/Lua the BLOB argument can be kept as it is instead of copied.
        let share = !ctx.isInTransactionOrScript
        try ctx.withKey(name, write: true) { key throws(CommandError) in
            try key.requireEmptyOr(DataTypes.tensor)
            let tensor = try parse(args, shareBlob: share)
            try key.set(tensor, as: DataTypes.tensor, what: "tensor")
        }
        ctx.replyOK()
        ctx.replicateVerbatim()
    }

    /// Builds the tensor described by `args[2...]`.
    ///
    /// - Parameter shareBlob: keep a BLOB argument by reference (see
    ///   ``TensorValue/init(dtype:shape:count:holding:)``) instead of copying it.
    static func parse(_ args: Arguments, shareBlob: Bool = false) throws(CommandError) -> TensorValue {
        guard let dtype = DType(argument: args.bytes(2)) else { throw CommandError("ERR invalid data type") }
        var shape: [Int64] = []
        shape.reserveCapacity(min(args.count - 3, 8))
        var index = 3
        while index < args.count && !args.matches(index, "BLOB") && !args.matches(index, "VALUES") {
            guard let dim = args.integer(index), dim > 0 else {
                throw CommandError("ERR invalid or negative value found in tensor shape")
            }
            shape.append(dim)
            index += 1
        }
        let count = TensorValue.elementCount(of: shape)
        if index == args.count {
            return try zeroFilled(dtype: dtype, shape: shape, count: count)
        }
        if args.matches(index, "BLOB") {
            guard args.count == index + 2 else {
                throw CommandError("ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command")
            }
            let blob = args.bytes(index + 1)
            let elements = try validate(blob, dtype: dtype, count: count)
            if shareBlob, let argument = args[index + 1],
               let shared = TensorValue(dtype: dtype, shape: shape, count: elements, holding: argument),
               shared.byteCount == blob.count {
                return shared
            }
            return TensorValue.copying(blob, dtype: dtype, shape: shape, count: elements)
        }
        guard let count, args.count - index - 1 == count else {
            throw CommandError("ERR wrong number of values was given in 'AI.TENSORSET' command")
        }
        return try TensorValues.parse(args, from: index + 1, dtype: dtype, shape: shape, count: count)
    }

    private static func zeroFilled(dtype: DType, shape: [Int64], count: Int?) throws(CommandError) -> TensorValue {
        let bytes = count.flatMap { dtype == .string ? $0 : TensorValue.byteCount(of: dtype, count: $0) }
        guard let count, let bytes, bytes <= maximumZeroFilledBytes else {
            throw CommandError("ERR tensor shape is too large: a tensor without BLOB or VALUES holds at most \(maximumZeroFilledBytes) bytes")
        }
        // STRING: `count` empty strings, i.e. `count` NULs.
        let data = rm_calloc(max(bytes, 1), 1)!
        return TensorValue(dtype: dtype, shape: shape, count: count, adopting: data, byteCount: bytes)
    }

    /// Checks a BLOB against the type and shape; returns the element count.
    private static func validate(_ blob: UnsafeRawBufferPointer, dtype: DType, count: Int?) throws(CommandError) -> Int {
        if dtype == .string {
            guard let count, blob.last == 0, TensorValue.nulCount(blob) == count else {
                throw CommandError("ERR Number of string elements in data blob does not match tensor length")
            }
            return count
        }
        guard let count, let expected = TensorValue.byteCount(of: dtype, count: count), expected == blob.count else {
            throw CommandError("ERR data length does not match tensor shape and type")
        }
        if dtype == .bool {
            for byte in blob where byte > 1 { throw CommandError("ERR BOOL tensor elements must be 0 or 1") }
        }
        return count
    }
}
