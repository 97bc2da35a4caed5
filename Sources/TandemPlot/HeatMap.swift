/// Draws 2-D fields as colored rasters on a fixed value scale, and rows of them as panels.
///
/// ```swift
/// let image = HeatMap(scale: 4).panel([uInit, uSteady], width: 64, height: 64)
/// try PNGEncoder.encode(image).write(to: "simulation.png")
/// ```
public struct HeatMap: Sendable {
    /// Pixels per grid point along each axis.
    public var scale: Int
    /// The color map.
    public var colorMap: ColorMap
    /// The values drawn at the two ends of the color map; the tutorial's fields live in [0, 1].
    public var range: ClosedRange<Double>
    /// Pixels between panels and around them.
    public var gap: Int

    /// Creates a heat map renderer.
    public init(scale: Int = 4, colorMap: ColorMap = .coolwarm, range: ClosedRange<Double> = 0...1, gap: Int = 8) {
        self.scale = max(1, scale)
        self.colorMap = colorMap
        self.range = range
        self.gap = max(0, gap)
    }

    /// One field as an image, drawn as matplotlib's `pcolor` does: row 0 at the bottom, so
    /// y grows upward.
    ///
    /// - Precondition: `values.count == width * height`.
    public func image(_ values: [Float], width: Int, height: Int) -> RGBImage {
        precondition(values.count == width * height, "\(values.count) values do not fill \(width)×\(height)")
        var image = RGBImage(width: width * scale, height: height * scale)
        let span = range.upperBound - range.lowerBound
        for row in 0..<height {
            for column in 0..<width {
                let v = (Double(values[row * width + column]) - range.lowerBound) / (span == 0 ? 1 : span)
                image.fillRectangle(x: column * scale, y: (height - 1 - row) * scale, width: scale, height: scale, color: colorMap.color(v))
            }
        }
        return image
    }

    /// The pixel size of ``panel(_:width:height:)`` for `count` fields of `width × height`
    /// points: the tiles and a color bar in a row, `gap` pixels around and between them.
    public func panelSize(count: Int, width: Int, height: Int) -> (width: Int, height: Int) {
        (gap + count * (width * scale + gap) + barWidth + gap, height * scale + 2 * gap)
    }

    /// The color bar's width in pixels.
    private var barWidth: Int { max(6, 3 * scale) }

    /// Several equally sized fields side by side on white, with a color bar at the right.
    public func panel(_ fields: [[Float]], width: Int, height: Int) -> RGBImage {
        let tile = (width: width * scale, height: height * scale)
        let size = panelSize(count: fields.count, width: width, height: height)
        var image = RGBImage(width: size.width, height: size.height)
        for (i, field) in fields.enumerated() {
            image.draw(self.image(field, width: width, height: height), x: gap + i * (tile.width + gap), y: gap)
        }
        // The color bar: the top is the range's upper end.
        let barX = gap + fields.count * (tile.width + gap)
        for y in 0..<tile.height {
            let v = 1 - Double(y) / Double(max(1, tile.height - 1))
            image.fillRectangle(x: barX, y: gap + y, width: barWidth, height: 1, color: colorMap.color(v))
        }
        return image
    }
}
