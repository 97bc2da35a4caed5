import TandemTensor

/// A batch of feature maps: `batch × channels × height × width` values of `Scalar`,
/// stored planar (NCHW: each channel of each sample is one contiguous `height × width`
/// plane, rows contiguous).
///
/// TandemNN's public semantics are Keras' NHWC; planar storage is an internal choice made
/// by measurement: with 1–16 channels the convolution kernels vectorise along image rows,
/// which must be contiguous. For one channel (the network's input and output) NHWC and
/// NCHW are the same bytes; ``init(nhwc:shape:)`` and ``nhwc()`` convert otherwise.
///
/// Layers own the maps they produce and overwrite them on the next pass, so a map returned
/// by a layer is valid until that layer runs again. Storage grows on demand and is reused.
public final class FeatureMap<Scalar: NNScalar>: @unchecked Sendable {
    /// The number of samples.
    public private(set) var batch = 0
    /// The number of channels.
    public private(set) var channels = 0
    /// The number of rows.
    public private(set) var height = 0
    /// The number of columns.
    public private(set) var width = 0
    private let storage = Workspace<Scalar>()

    /// Creates an empty map; ``resize(batch:channels:height:width:)`` gives it a shape.
    public init() {}

    /// Creates a zero map of the given shape.
    public convenience init(batch: Int, channels: Int, height: Int, width: Int) {
        self.init()
        resize(batch: batch, channels: channels, height: height, width: width)
        storage.zero(count)
    }

    /// Creates a map from NHWC values (Keras layout).
    ///
    /// - Precondition: `shape` is `[batch, height, width, channels]` and matches `values.count`.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public convenience init(nhwc values: [Scalar], shape: [Int]) {
        precondition(shape.count == 4 && shape.allSatisfy { $0 > 0 }, "shape must be [N, H, W, C] with positive sizes")
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.init()
        resize(batch: shape[0], channels: shape[3], height: shape[1], width: shape[2])
        values.withUnsafeBufferPointer { copyIn(nhwc: $0.baseAddress!) }
    }

    /// The number of values: `batch · channels · height · width`.
    public var count: Int { batch * channels * height * width }
    /// The number of values in one plane: `height · width`.
    public var planeSize: Int { height * width }
    /// The shape in Keras order, `[batch, height, width, channels]`.
    public var shapeNHWC: [Int] { [batch, height, width, channels] }
    /// Whether another map has the same shape.
    public func hasSameShape(as other: FeatureMap) -> Bool {
        batch == other.batch && channels == other.channels && height == other.height && width == other.width
    }

    /// The first value; planes follow each other sample by sample, channel by channel.
    public var pointer: UnsafeMutablePointer<Scalar> { storage.base }

    /// Every value's bytes, in the order of ``pointer`` (for copying data in without a
    /// detour through an array).
    public var bytes: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: storage.base, count: count * MemoryLayout<Scalar>.stride)
    }

    /// The start of the plane of `channel` in `sample`.
    @inline(__always)
    public func plane(_ sample: Int, _ channel: Int) -> UnsafeMutablePointer<Scalar> {
        storage.base + (sample * channels + channel) * planeSize
    }

    /// The map's planes as a value: its start and sizes copied once, so loops over planes
    /// read locals instead of the map's (mutable, hence access-checked) properties.
    @inline(__always)
    var planes: Planes<Scalar> { Planes(base: storage.base, channels: channels, planeSize: planeSize) }

    /// Gives the map a shape, keeping storage when it is large enough. Contents are unspecified.
    public func resize(batch: Int, channels: Int, height: Int, width: Int) {
        precondition(batch > 0 && channels > 0 && height > 0 && width > 0, "feature map sizes must be positive")
        self.batch = batch
        self.channels = channels
        self.height = height
        self.width = width
        storage.reserve(count)
    }

    /// Gives the map the shape of `other`.
    public func resize(like other: FeatureMap) {
        resize(batch: other.batch, channels: other.channels, height: other.height, width: other.width)
    }

    /// The value at (`sample`, `channel`, `y`, `x`).
    public subscript(sample: Int, channel: Int, y: Int, x: Int) -> Scalar {
        get { plane(sample, channel)[y * width + x] }
        set { plane(sample, channel)[y * width + x] = newValue }
    }

    /// Fills the map with `value`.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func fill(_ value: Scalar) { storage.base.update(repeating: value, count: count) }

    /// Copies NHWC values into the (already shaped) map.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func copyIn(nhwc source: UnsafePointer<Scalar>) {
        if channels == 1 { storage.base.update(from: source, count: count); return }
        let hw = planeSize
        for n in 0..<batch {
            for c in 0..<channels {
                let dst = plane(n, c)
                let src = source + n * hw * channels + c
                for i in 0..<hw { dst[i] = src[i * channels] }
            }
        }
    }

    /// Copies the map out as NHWC values.
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func copyOut(nhwc destination: UnsafeMutablePointer<Scalar>) {
        if channels == 1 { destination.update(from: storage.base, count: count); return }
        let hw = planeSize
        for n in 0..<batch {
            for c in 0..<channels {
                let src = plane(n, c)
                let dst = destination + n * hw * channels + c
                for i in 0..<hw { dst[i * channels] = src[i] }
            }
        }
    }

    /// The values in NHWC order (Keras layout).
    @_specialize(where Scalar == Float) @_specialize(where Scalar == Double)
    public func nhwc() -> [Scalar] {
        [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
            copyOut(nhwc: buffer.baseAddress!)
            initialized = count
        }
    }
}

/// The planes of a ``FeatureMap`` at the time it was taken (see ``FeatureMap/planes``);
/// valid until the map is resized.
struct Planes<Scalar: NNScalar>: @unchecked Sendable {
    /// The first value.
    let base: UnsafeMutablePointer<Scalar>
    /// The number of channels.
    let channels: Int
    /// The number of values in one plane.
    let planeSize: Int

    /// The start of the plane of `channel` in `sample`.
    @inline(__always)
    func callAsFunction(_ sample: Int, _ channel: Int) -> UnsafeMutablePointer<Scalar> {
        base + (sample &* channels &+ channel) &* planeSize
    }
}
