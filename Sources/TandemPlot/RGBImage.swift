/// An 8-bit RGB raster, row-major from the top-left corner.
public struct RGBImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `3 * width * height` bytes: red, green, blue per pixel.
    public private(set) var pixels: [UInt8]

    /// A `width × height` image filled with one color.
    ///
    /// - Precondition: both sides are at least 1.
    public init(width: Int, height: Int, fill: RGB = .white) {
        precondition(width >= 1 && height >= 1, "an image needs at least one pixel")
        self.width = width
        self.height = height
        pixels = Array(repeating: 0, count: 3 * width * height)
        fillRectangle(x: 0, y: 0, width: width, height: height, color: fill)
    }

    /// The color at (`x`, `y`), x to the right and y down.
    public subscript(x: Int, y: Int) -> RGB {
        get {
            let i = 3 * (y * width + x)
            return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = 3 * (y * width + x)
            pixels[i] = newValue.red
            pixels[i + 1] = newValue.green
            pixels[i + 2] = newValue.blue
        }
    }

    /// Paints a rectangle, clipped to the image.
    public mutating func fillRectangle(x: Int, y: Int, width w: Int, height h: Int, color: RGB) {
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) { self[column, row] = color }
        }
    }

    /// Copies `image` with its top-left corner at (`x`, `y`), clipped to this image.
    public mutating func draw(_ image: RGBImage, x: Int, y: Int) {
        for row in 0..<image.height where (0..<height).contains(y + row) {
            for column in 0..<image.width where (0..<width).contains(x + column) {
                self[x + column, y + row] = image[column, row]
            }
        }
    }
}

/// One 8-bit RGB color.
public struct RGB: Sendable, Equatable, Hashable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
}
