/// The largest absolute difference between two equally long sequences of floating-point values.
///
/// - Precondition: `a.count == b.count`.
public func maxAbsDifference<T: BinaryFloatingPoint>(_ a: [T], _ b: [T]) -> T {
    precondition(a.count == b.count, "compared sequences differ in length: \(a.count) vs \(b.count)")
    var worst: T = 0
    for (x, y) in zip(a, b) { worst = max(worst, abs(x - y)) }
    return worst
}
