/// A line plot of one or more series as SVG text: axes with round tick values, a title,
/// axis labels, one polyline with point markers per series and a legend when there are
/// several. Any browser shows it; it scales without blurring.
///
/// ```swift
/// var plot = LinePlot(title: "Training loss", xLabel: "epoch", yLabel: "mean absolute error")
/// plot.add(LinePlot.Series(name: "loss", points: losses.enumerated().map { (Double($0 + 1), $1) }))
/// try plot.svg().write(toFile: "training_loss.svg", atomically: true, encoding: .utf8)
/// ```
public struct LinePlot: Sendable {
    /// One named line.
    public struct Series: Sendable, Equatable {
        /// The legend's text.
        public var name: String
        /// The points in drawing order; non-finite values are skipped.
        public var points: [(x: Double, y: Double)]
        /// A CSS color.
        public var color: String

        /// A series; `color` defaults to the next of ``LinePlot/palette``.
        public init(name: String, points: [(x: Double, y: Double)], color: String? = nil) {
            self.name = name
            self.points = points
            self.color = color ?? ""
        }

        public static func == (a: Series, b: Series) -> Bool {
            a.name == b.name && a.color == b.color && a.points.count == b.points.count
                && zip(a.points, b.points).allSatisfy { $0.x == $1.x && $0.y == $1.y }
        }
    }

    /// Colors given to series without one, in order (matplotlib's first four).
    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]

    /// The title above the plot.
    public var title: String
    /// The label under the x axis.
    public var xLabel: String
    /// The label beside the y axis.
    public var yLabel: String
    /// The series, drawn in order.
    public private(set) var series: [Series] = []
    /// Size of the picture in SVG user units (pixels).
    public var width: Int
    public var height: Int
    /// Whether the y axis starts at zero (when every value is positive) rather than at the smallest value.
    public var yIncludesZero: Bool
    /// A fixed extent of the x axis (widened to hold every point), so a plot that grows
    /// point by point keeps its scale; from the points when `nil`.
    public var xDomain: ClosedRange<Double>?

    /// An empty plot.
    public init(title: String, xLabel: String, yLabel: String, width: Int = 480, height: Int = 300, yIncludesZero: Bool = true) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.width = max(160, width)
        self.height = max(120, height)
        self.yIncludesZero = yIncludesZero
    }

    /// Adds a series, giving it a palette color when it has none.
    public mutating func add(_ series: Series) {
        var series = series
        if series.color.isEmpty { series.color = Self.palette[self.series.count % Self.palette.count] }
        self.series.append(series)
    }

    /// The plot as a complete SVG document. A plot without finite points shows its axes
    /// over [0, 1] and the words "no data yet".
    public func svg() -> String {
        let margin = (left: 64.0, right: 16.0, top: 32.0, bottom: 44.0)
        let plotWidth = Double(width) - margin.left - margin.right
        let plotHeight = Double(height) - margin.top - margin.bottom
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        var xRange = Self.range(finite.map(\.x) + (xDomain.map { [$0.lowerBound, $0.upperBound] } ?? []))
        var yValues = finite.map(\.y)
        if yIncludesZero, let low = yValues.min(), low > 0 { yValues.append(0) }
        var yRange = Self.range(yValues)
        let xTicks = Axis.ticks(covering: xRange), yTicks = Axis.ticks(covering: yRange)
        xRange = xTicks.first!...xTicks.last!
        yRange = yTicks.first!...yTicks.last!
        func px(_ x: Double) -> Double { margin.left + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * plotWidth }
        func py(_ y: Double) -> Double { margin.top + (yRange.upperBound - y) / (yRange.upperBound - yRange.lowerBound) * plotHeight }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Self.number(Double(width) / 2))" y="18" text-anchor="middle" font-size="13">\(Markup.escaped(title))</text>

            """
        // Grid lines and tick labels.
        for tick in yTicks {
            let y = Self.number(py(tick))
            svg += "<line x1=\"\(Self.number(margin.left))\" y1=\"\(y)\" x2=\"\(Self.number(margin.left + plotWidth))\" y2=\"\(y)\" stroke=\"#e5e5e5\"/>\n"
            svg += "<text x=\"\(Self.number(margin.left - 6))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(Axis.label(tick, ticks: yTicks))</text>\n"
        }
        for tick in xTicks {
            let x = Self.number(px(tick))
            svg += "<line x1=\"\(x)\" y1=\"\(Self.number(margin.top + plotHeight))\" x2=\"\(x)\" y2=\"\(Self.number(margin.top + plotHeight + 4))\" stroke=\"#333\"/>\n"
            svg += "<text x=\"\(x)\" y=\"\(Self.number(margin.top + plotHeight + 16))\" text-anchor=\"middle\">\(Axis.label(tick, ticks: xTicks))</text>\n"
        }
        svg += "<rect x=\"\(Self.number(margin.left))\" y=\"\(Self.number(margin.top))\" width=\"\(Self.number(plotWidth))\" height=\"\(Self.number(plotHeight))\" fill=\"none\" stroke=\"#333\"/>\n"
        svg += "<text x=\"\(Self.number(margin.left + plotWidth / 2))\" y=\"\(height - 8)\" text-anchor=\"middle\">\(Markup.escaped(xLabel))</text>\n"
        svg += "<text transform=\"translate(14 \(Self.number(margin.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(Markup.escaped(yLabel))</text>\n"

        if finite.isEmpty {
            svg += "<text x=\"\(Self.number(margin.left + plotWidth / 2))\" y=\"\(Self.number(margin.top + plotHeight / 2))\" text-anchor=\"middle\" fill=\"#888\">no data yet</text>\n"
        }
        for line in series {
            let points = line.points.filter { $0.x.isFinite && $0.y.isFinite }
            guard !points.isEmpty else { continue }
            let coordinates = points.map { "\(Self.number(px($0.x))),\(Self.number(py($0.y)))" }
            svg += "<polyline fill=\"none\" stroke=\"\(Markup.escaped(line.color))\" stroke-width=\"1.8\" points=\"\(coordinates.joined(separator: " "))\"/>\n"
            if points.count <= 100 {
                for point in coordinates {
                    let xy = point.split(separator: ",")
                    svg += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.2\" fill=\"\(Markup.escaped(line.color))\"/>\n"
                }
            }
        }
        if series.count > 1 {
            for (index, line) in series.enumerated() {
                let y = margin.top + 12 + Double(index) * 14
                let x = margin.left + plotWidth - 110
                svg += "<line x1=\"\(Self.number(x))\" y1=\"\(Self.number(y))\" x2=\"\(Self.number(x + 16))\" y2=\"\(Self.number(y))\" stroke=\"\(Markup.escaped(line.color))\" stroke-width=\"2\"/>\n"
                svg += "<text x=\"\(Self.number(x + 20))\" y=\"\(Self.number(y))\" dominant-baseline=\"middle\">\(Markup.escaped(line.name))</text>\n"
            }
        }
        return svg + "</svg>\n"
    }

    /// The smallest and largest value, widened when they coincide; [0, 1] without values.
    private static func range(_ values: [Double]) -> ClosedRange<Double> {
        guard let low = values.min(), let high = values.max() else { return 0...1 }
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            return (low - pad)...(high + pad)
        }
        return low...high
    }

    /// A coordinate with at most two decimals.
    static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
