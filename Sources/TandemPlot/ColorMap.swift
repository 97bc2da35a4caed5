/// A map from [0, 1] to colors, by linear interpolation between evenly spaced anchors.
public struct ColorMap: Sendable {
    /// The anchor colors, first for 0 and last for 1.
    public let anchors: [RGB]

    /// A color map through `anchors`.
    ///
    /// - Precondition: at least two anchors.
    public init(anchors: [RGB]) {
        precondition(anchors.count >= 2, "a color map needs at least two anchors")
        self.anchors = anchors
    }

    /// The color of `value`; values outside [0, 1] are clamped, NaN maps to the middle.
    public func color(_ value: Double) -> RGB {
        let v = value.isNaN ? 0.5 : min(1, max(0, value))
        let position = v * Double(anchors.count - 1)
        let low = min(Int(position), anchors.count - 2)
        let t = position - Double(low)
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) * (1 - t) + Double(b) * t).rounded()) }
        let a = anchors[low], b = anchors[low + 1]
        return RGB(mix(a.red, b.red), mix(a.green, b.green), mix(a.blue, b.blue))
    }

    /// Kenneth Moreland's diverging cool-warm map (matplotlib's `coolwarm`), from his
    /// 33-entry table: blue at 0, light grey at ½, red at 1.
    public static let coolwarm = ColorMap(anchors: [
        RGB(59, 76, 192), RGB(68, 90, 204), RGB(77, 104, 215), RGB(87, 117, 225),
        RGB(98, 130, 234), RGB(108, 142, 241), RGB(119, 154, 247), RGB(130, 165, 251),
        RGB(141, 176, 254), RGB(152, 185, 255), RGB(163, 194, 255), RGB(174, 201, 253),
        RGB(184, 208, 249), RGB(194, 213, 244), RGB(204, 217, 238), RGB(213, 219, 230),
        RGB(221, 221, 221), RGB(229, 216, 209), RGB(236, 211, 197), RGB(241, 204, 185),
        RGB(245, 196, 173), RGB(247, 187, 160), RGB(247, 177, 148), RGB(247, 166, 135),
        RGB(244, 154, 123), RGB(241, 141, 111), RGB(236, 127, 99), RGB(229, 112, 88),
        RGB(222, 96, 77), RGB(213, 80, 66), RGB(203, 62, 56), RGB(192, 40, 47), RGB(180, 4, 38),
    ])

    /// A sequential white → orange → dark red map (ColorBrewer's OrRd), for magnitudes such
    /// as error maps: white at 0, dark red at 1.
    public static let orangeRed = ColorMap(anchors: [
        RGB(255, 247, 236), RGB(254, 232, 200), RGB(253, 212, 158), RGB(253, 187, 132), RGB(252, 141, 89),
        RGB(239, 101, 72), RGB(215, 48, 31), RGB(179, 0, 0), RGB(127, 0, 0),
    ])
}
