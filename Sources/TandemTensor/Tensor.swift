/// An n-dimensional array of one ``DType``: a shape and its elements as contiguous,
/// row-major (C order), little-endian bytes — exactly the `BLOB` RedisAI stores.
///
/// `Tensor` is a value type; copies share their bytes until one of them is mutated.
///
/// ```swift
/// let t = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5] as [Float])
/// t.dtype            // .float
/// t.scalars(as: Float.self)[4]   // 4.0
/// ```
public struct Tensor: Sendable, Equatable {
    /// The element type.
    public let dtype: DType
    /// The size of every dimension, outermost first. Every dimension is ≥ 1.
    public let shape: [Int]
    /// The elements in row-major order, in host (little-endian) byte order. For `string`
    /// tensors, the elements each followed by a NUL byte.
    public private(set) var bytes: [UInt8]

    /// The number of elements: the product of the shape.
    public var count: Int { shape.reduce(1, *) }

    /// Creates a tensor from raw bytes after checking that they fit the shape.
    ///
    /// - Throws: ``TensorError`` when the shape is empty or has a dimension below 1, when
    ///   the element count overflows, or when the byte count does not match.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) throws(TensorError) {
        let count = try Tensor.elementCount(of: shape)
        if let size = dtype.elementSize {
            let (expected, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, expected == bytes.count else {
                throw .byteCountMismatch(expected: overflow ? nil : expected, actual: bytes.count)
            }
        } else {
            let terminators = bytes.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
            guard terminators == count, bytes.last == 0 else {
                throw .byteCountMismatch(expected: nil, actual: bytes.count)
            }
        }
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Creates a tensor of a fixed-size scalar type.
    ///
    /// - Precondition: `scalars.count` equals the product of `shape`, and every dimension is ≥ 1.
    public init<Scalar: TensorScalar>(shape: [Int], scalars: [Scalar]) {
        precondition(!shape.isEmpty && shape.allSatisfy { $0 > 0 }, "every dimension must be ≥ 1")
        precondition(shape.reduce(1, *) == scalars.count, "shape \(shape) does not hold \(scalars.count) scalars")
        self.dtype = Scalar.dtype
        self.shape = shape
        self.bytes = scalars.withUnsafeBytes { Array($0) }
    }

    /// Creates a tensor of `dtype` whose elements are all zero.
    ///
    /// - Precondition: `dtype` is not `string`, and every dimension is ≥ 1.
    public init(zeros dtype: DType, shape: [Int]) {
        guard let size = dtype.elementSize else { preconditionFailure("string tensors have no zero") }
        precondition(!shape.isEmpty && shape.allSatisfy { $0 > 0 }, "every dimension must be ≥ 1")
        self.dtype = dtype
        self.shape = shape
        self.bytes = [UInt8](repeating: 0, count: shape.reduce(1, *) * size)
    }

    /// The elements as an array of `Scalar`.
    ///
    /// - Precondition: `Scalar.dtype == dtype`.
    public func scalars<Scalar: TensorScalar>(as type: Scalar.Type) -> [Scalar] {
        withUnsafeBufferPointer(as: type) { Array($0) }
    }

    /// Lends the elements as a typed buffer for the duration of `body`.
    ///
    /// - Precondition: `Scalar.dtype == dtype`.
    public func withUnsafeBufferPointer<Scalar: TensorScalar, Result>(
        as type: Scalar.Type, _ body: (UnsafeBufferPointer<Scalar>) throws -> Result
    ) rethrows -> Result {
        precondition(Scalar.dtype == dtype, "tensor holds \(dtype), not \(Scalar.dtype)")
        let count = self.count
        return try bytes.withUnsafeBytes { raw in
            try body(UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: Scalar.self), count: count))
        }
    }

    /// Lends the elements as a mutable typed buffer; the tensor's bytes are copied first
    /// if another value shares them.
    ///
    /// - Precondition: `Scalar.dtype == dtype`.
    public mutating func withUnsafeMutableBufferPointer<Scalar: TensorScalar, Result>(
        as type: Scalar.Type, _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> Result
    ) rethrows -> Result {
        precondition(Scalar.dtype == dtype, "tensor holds \(dtype), not \(Scalar.dtype)")
        let count = self.count
        return try bytes.withUnsafeMutableBytes { raw in
            try body(UnsafeMutableBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: Scalar.self), count: count))
        }
    }

    /// The product of `shape`, checked: every dimension ≥ 1, at least one dimension, no overflow.
    public static func elementCount(of shape: [Int]) throws(TensorError) -> Int {
        guard !shape.isEmpty else { throw .emptyShape }
        var count = 1
        for dim in shape {
            guard dim > 0 else { throw .nonPositiveDimension(dim) }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw .tooLarge }
            count = product
        }
        return count
    }
}

/// Why bytes and a shape do not make a ``Tensor``.
public enum TensorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A tensor needs at least one dimension.
    case emptyShape
    /// Every dimension must be at least 1.
    case nonPositiveDimension(Int)
    /// The element count or byte count overflows.
    case tooLarge
    /// The bytes do not match the shape and type (`expected` is `nil` where it cannot be stated).
    case byteCountMismatch(expected: Int?, actual: Int)

    public var description: String {
        switch self {
        case .emptyShape: "a tensor needs at least one dimension"
        case .nonPositiveDimension(let d): "tensor dimensions must be positive, got \(d)"
        case .tooLarge: "tensor shape is too large"
        case .byteCountMismatch(let expected?, let actual):
            "data length does not match tensor shape and type: expected \(expected) bytes, got \(actual)"
        case .byteCountMismatch(nil, let actual):
            "data length does not match tensor shape and type (\(actual) bytes)"
        }
    }
}
