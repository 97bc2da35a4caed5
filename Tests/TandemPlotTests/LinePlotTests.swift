import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import TandemPlot

/// Collects the elements of an SVG document with an independent XML parser.
final class SVGElements: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [String] = []
    private var current = ""

    static func parse(_ svg: String) throws -> SVGElements {
        let collector = SVGElements()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.fileReadCorruptFile) }
        return collector
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append((name, attributes))
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(current) }
        current = ""
    }

    func all(_ name: String) -> [[String: String]] { elements.filter { $0.name == name }.map(\.attributes) }
}

@Suite struct LinePlotTests {
    @Test func aSeriesBecomesAPolylineThroughItsPointsInsideTheAxes() throws {
        var plot = LinePlot(title: "Training loss", xLabel: "epoch", yLabel: "mean absolute error", width: 400, height: 250)
        let losses = [0.31, 0.2, 0.12, 0.09, 0.085]
        plot.add(.init(name: "loss", points: losses.enumerated().map { (Double($0.offset + 1), $0.element) }))
        let svg = try SVGElements.parse(plot.svg())

        let root = try #require(svg.elements.first)
        #expect(root.name == "svg" && root.attributes["width"] == "400" && root.attributes["height"] == "250")
        #expect(svg.texts.contains("Training loss") && svg.texts.contains("epoch") && svg.texts.contains("mean absolute error"))
        let lines = svg.all("polyline")
        #expect(lines.count == 1)
        let points = try #require(lines.first?["points"]).split(separator: " ").map { pair in
            pair.split(separator: ",").map { Double($0)! }
        }
        #expect(points.count == losses.count)
        #expect(svg.all("circle").count == losses.count)
        // x grows to the right; a larger loss is drawn higher (smaller SVG y).
        for i in 1..<points.count {
            #expect(points[i][0] > points[i - 1][0])
            #expect(points[i][1] > points[i - 1][1])
        }
        // Every point lies inside the plot frame (the second rect; the first is the background).
        let frame = svg.all("rect")[1]
        let (x0, y0) = (Double(frame["x"]!)!, Double(frame["y"]!)!)
        let (w, h) = (Double(frame["width"]!)!, Double(frame["height"]!)!)
        for point in points {
            #expect((x0...(x0 + w)).contains(point[0]) && (y0...(y0 + h)).contains(point[1]))
        }
        // The y axis starts at zero (the loss is positive) and reaches past the largest value.
        let labels = svg.texts.compactMap(Double.init)
        #expect(labels.contains(0))
        #expect(labels.contains { $0 >= 0.31 })
    }

    @Test func severalSeriesGetTheirOwnColorsAndALegend() throws {
        var plot = LinePlot(title: "two", xLabel: "x", yLabel: "y")
        plot.add(.init(name: "first & <best>", points: [(0, 1), (1, 2)]))
        plot.add(.init(name: "second", points: [(0, 2), (1, 1)]))
        let svg = try SVGElements.parse(plot.svg())
        let colors = Set(svg.all("polyline").compactMap { $0["stroke"] })
        #expect(colors.count == 2)
        #expect(svg.texts.contains("first & <best>"), "legend text is escaped and parses back")
        #expect(svg.texts.contains("second"))
    }

    @Test func anEmptyPlotStillParsesAndSaysSo() throws {
        var plot = LinePlot(title: "Learning rate", xLabel: "epoch", yLabel: "rate")
        plot.add(.init(name: "rate", points: [(1, .nan)]))
        let svg = try SVGElements.parse(plot.svg())
        #expect(svg.all("polyline").isEmpty)
        #expect(svg.texts.contains("no data yet"))
    }

    @Test func aFixedDomainKeepsTheScaleAsPointsArrive() throws {
        var plot = LinePlot(title: "loss", xLabel: "epoch", yLabel: "loss")
        plot.xDomain = 1...40
        plot.add(.init(name: "loss", points: [(1, 0.3), (2, 0.2)]))
        let svg = try SVGElements.parse(plot.svg())
        let labels = svg.texts.compactMap(Double.init)
        #expect(labels.contains(40), "the axis reaches the last epoch before it is trained")
        let points = try #require(svg.all("polyline").first?["points"]).split(separator: " ")
        let secondX = try #require(Double(points[1].split(separator: ",")[0]))
        #expect(secondX < 120, "two epochs of forty sit at the left")
    }

    @Test func ticksAreRoundAndCoverTheRange() {
        let ticks = Axis.ticks(covering: 0.0123...0.0871)
        #expect(ticks.first! <= 0.0123 && ticks.last! >= 0.0871)
        #expect((4...9).contains(ticks.count))
        let step = ticks[1] - ticks[0]
        #expect(abs(step - 0.02) < 1e-12)
        #expect(Axis.label(0.04, ticks: ticks) == "0.04")
        #expect(Axis.label(3, ticks: Axis.ticks(covering: 1...40)) == "3")
        #expect(Axis.ticks(covering: 5...5).count >= 2)
    }
}
