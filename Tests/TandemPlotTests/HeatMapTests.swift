import Testing
import TandemPlot

@Suite struct HeatMapTests {
    @Test func coolwarmRunsFromBlueThroughGreyToRed() {
        let map = ColorMap.coolwarm
        #expect(map.color(0) == RGB(59, 76, 192))
        #expect(map.color(0.5) == RGB(221, 221, 221))
        #expect(map.color(1) == RGB(180, 4, 38))
        #expect(map.color(-3) == map.color(0))
        #expect(map.color(7) == map.color(1))
        #expect(map.color(.nan) == map.color(0.5))
        // Halfway between two anchors is their average.
        #expect(map.color(0.5 / 32) == RGB(64, 83, 198))
        // Blue falls and red rises across the map.
        let samples = stride(from: 0.0, through: 1, by: 0.05).map(map.color)
        #expect(samples.first!.blue > samples.last!.blue && samples.first!.red < samples.last!.red)
    }

    @Test func fieldsAreDrawnOnTheFixedScale() {
        let renderer = HeatMap(scale: 2)
        // Row 0 (values 0, 1) is drawn at the bottom, as pcolor does.
        let image = renderer.image([0, 1, 0.5, 2], width: 2, height: 2)
        #expect(image.width == 4 && image.height == 4)
        #expect(image[0, 2] == ColorMap.coolwarm.color(0))
        #expect(image[1, 3] == ColorMap.coolwarm.color(0))
        #expect(image[2, 2] == ColorMap.coolwarm.color(1))
        #expect(image[0, 0] == ColorMap.coolwarm.color(0.5))
        #expect(image[3, 1] == ColorMap.coolwarm.color(1), "values above the range clamp to its top")
    }

    @Test func panelsPlaceFieldsSideBySideWithAColorBar() {
        let renderer = HeatMap(scale: 1, gap: 2)
        let image = renderer.panel([[0, 0, 0, 0], [1, 1, 1, 1]], width: 2, height: 2)
        #expect(image.height == 2 + 4)
        #expect(image[2, 2] == ColorMap.coolwarm.color(0))
        #expect(image[6, 2] == ColorMap.coolwarm.color(1))
        #expect(image[4, 2] == .white)
        #expect(image[10, 2] == ColorMap.coolwarm.color(1), "the bar's top is the upper end")
        #expect(image[10, 3] == ColorMap.coolwarm.color(0))
    }
}
