/// Values on a `size × size` grid of points, row-major: row index ↔ y, column index ↔ x.
public struct SquareGrid<Element: Sendable>: Sendable {
    /// Points per side.
    public let size: Int
    /// `size * size` values; the value at (row, column) is at `row * size + column`.
    public var values: [Element]

    /// Wraps row-major values.
    ///
    /// - Precondition: `values.count == size * size`.
    public init(size: Int, values: [Element]) {
        precondition(values.count == size * size, "a \(size)×\(size) grid holds \(size * size) values, not \(values.count)")
        self.size = size
        self.values = values
    }

    /// A grid with every point set to `value`.
    public init(size: Int, repeating value: Element) {
        self.init(size: size, values: Array(repeating: value, count: size * size))
    }

    /// The value at (`row`, `column`).
    public subscript(row: Int, column: Int) -> Element {
        get { values[row * size + column] }
        set { values[row * size + column] = newValue }
    }
}

extension SquareGrid: Equatable where Element: Equatable {}
