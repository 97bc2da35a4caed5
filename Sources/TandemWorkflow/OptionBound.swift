/// A count option and the values it accepts: far above any useful run, low enough that a
/// typo is refused at once instead of allocating for minutes. Every workflow program checks
/// its options through these, so they all word a refusal the same way.
public struct OptionBound: Sendable, Equatable {
    /// The option as typed, e.g. `--steps`.
    public var name: String
    /// The values accepted.
    public var range: ClosedRange<Int>
    /// The value given.
    public var value: Int

    /// A bound on `name`'s `value`.
    public init(_ name: String, _ range: ClosedRange<Int>, _ value: Int) {
        self.name = name
        self.range = range
        self.value = value
    }

    /// "--steps must be 1…100000, got 0" for the first value out of its range, or `nil`.
    public static func firstViolation(_ bounds: [OptionBound]) -> String? {
        bounds.first { !$0.range.contains($0.value) }.map {
            "\($0.name) must be \($0.range.lowerBound)…\($0.range.upperBound), got \($0.value)"
        }
    }
}
