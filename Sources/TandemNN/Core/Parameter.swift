/// A named array of values a layer learns or tracks, with its gradient.
///
/// Trainable parameters (kernels, biases, BN scale and offset) are updated by an optimizer
/// from ``gradient``; non-trainable ones (BN moving mean and variance) are state that the
/// layer updates itself and that checkpoints save. Storage is allocated once.
public final class Parameter<Scalar: NNScalar>: @unchecked Sendable {
    /// A name unique within its model, e.g. `"E1.conv1.kernel"`.
    public let name: String
    /// The Keras shape of the values (`[kh, kw, in, out]` for a Conv2D kernel).
    public let shape: [Int]
    /// Whether an optimizer updates it.
    public let isTrainable: Bool
    /// The number of values.
    public let count: Int
    /// The values, `count` of them.
    public let pointer: UnsafeMutablePointer<Scalar>
    /// The gradient of the loss, accumulated by backward passes (trainable parameters only).
    public let gradientPointer: UnsafeMutablePointer<Scalar>

    /// Creates a parameter of the given shape filled with `initial`.
    public init(name: String, shape: [Int], trainable: Bool, initial: Scalar = 0) {
        self.name = name
        self.shape = shape
        isTrainable = trainable
        count = shape.reduce(1, *)
        pointer = .allocate(capacity: count)
        pointer.initialize(repeating: initial, count: count)
        gradientPointer = .allocate(capacity: count)
        gradientPointer.initialize(repeating: 0, count: count)
    }

    deinit {
        pointer.deallocate()
        gradientPointer.deallocate()
    }

    /// The values as an array (a copy); setting copies in.
    ///
    /// - Precondition: a new value has ``count`` elements.
    public var values: [Scalar] {
        get { Array(UnsafeBufferPointer(start: pointer, count: count)) }
        set {
            precondition(newValue.count == count, "\(name) holds \(count) values, not \(newValue.count)")
            newValue.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
        }
    }

    /// The gradient as an array (a copy).
    public var gradient: [Scalar] { Array(UnsafeBufferPointer(start: gradientPointer, count: count)) }

    /// Sets the gradient to zero.
    public func zeroGradient() { gradientPointer.update(repeating: 0, count: count) }
}
