import TandemNN

/// One value of a running graph: its shape and its float32 elements (row-major), in a
/// ``FeatureMap`` so convolutions can take it as it is. Slots belong to one replica of a
/// plan; constants are slots shared read-only by every replica.
final class Slot: @unchecked Sendable {
    /// The dimensions, outermost first (empty for a scalar).
    var shape: [Int] = []
    /// The elements' storage (its own dims are only meaningful to convolutions).
    var map = FeatureMap<Float>()

    init() {}

    /// A constant slot holding `values` of `shape`.
    init(shape: [Int], values: [Float]) {
        reshape(shape)
        values.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress, !buffer.isEmpty { pointer.update(from: base, count: buffer.count) }
        }
    }

    /// The number of elements.
    var count: Int { shape.reduce(1, *) }

    /// The first element.
    var pointer: UnsafeMutablePointer<Float> { map.pointer }

    /// Gives the slot a shape, with room for its elements (contents unspecified).
    func reshape(_ shape: [Int]) {
        self.shape = shape
        map.resize(batch: 1, channels: 1, height: 1, width: max(shape.reduce(1, *), 1))
    }

    /// The elements as an array.
    var values: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// The slot's storage seen as an NCHW feature map of its 4-D shape. Resizing to the
    /// same element count keeps the storage and so the contents.
    func featureMap() -> FeatureMap<Float> {
        map.resize(batch: shape[0], channels: shape[1], height: shape[2], width: shape[3])
        return map
    }
}

/// Steps a row-major multi-index to the next position of `shape` over axes `0...last` (the
/// last of them varies fastest); `false` once it has wrapped around past the final position.
@inline(__always)
func advance(_ index: inout [Int], in shape: [Int], throughAxis last: Int) -> Bool {
    var k = last
    while k >= 0 {
        index[k] += 1
        if index[k] < shape[k] { return true }
        index[k] = 0
        k -= 1
    }
    return false
}

/// Row-major strides of a shape.
func strides(of shape: [Int]) -> [Int] {
    var result = [Int](repeating: 1, count: shape.count)
    var running = 1
    for axis in shape.indices.reversed() {
        result[axis] = running
        running *= shape[axis]
    }
    return result
}
