import Foundation

/// Round tick values for a plot axis ("nice numbers": steps of 1, 2 or 5 × 10ⁿ).
enum Axis {
    /// Between about 4 and 8 evenly spaced round values whose first is at or below
    /// `range.lowerBound` and whose last is at or above `range.upperBound`.
    static func ticks(covering range: ClosedRange<Double>, target: Int = 5) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound, range.lowerBound + 1] }
        let rough = span / Double(target)
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let first = floor(range.lowerBound / step), last = ceil(range.upperBound / step)
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }

    /// A tick's text with as many decimals as the step between ticks needs
    /// (scientific notation for very small or very large values).
    static func label(_ value: Double, ticks: [Double]) -> String {
        let step = ticks.count > 1 ? abs(ticks[1] - ticks[0]) : 1
        if value == 0 { return "0" }
        let largest = ticks.map(abs).max() ?? abs(value)
        if largest >= 1e6 || step < 1e-4 { return String(format: "%.1e", value) }
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        return String(format: "%.\(decimals)f", value)
    }
}

/// Escaping for text placed in HTML and SVG.
public enum Markup {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities.
    public static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
