import Foundation
import OnlineTraining
import Testing

/// The near-source / far-field split of the errors, and how the report shows it with the
/// network that ran.
@Suite struct AccuracySplitTests {
    @Test func pointsWithinOneRadiusOfASourceAreNear() {
        // 21 points per side: reach round(0.05 · 20) = 1 point.
        var sources = [Float](repeating: 0, count: 21 * 21)
        sources[10 * 21 + 10] = 1
        let near = NearSource.mask(sources: sources, size: 21)
        #expect(near.filter { $0 }.count == 9, "the source point and its 8 neighbours")
        #expect(near[9 * 21 + 9] && near[11 * 21 + 11] && !near[8 * 21 + 10] && !near[0])
        #expect(NearSource.reach(size: 64) == 3 && NearSource.reach(size: 128) == 6)
    }

    @Test func theMeterSplitsTheErrorBetweenNearAndFar() throws {
        // 3 × 3, reach 1 (at least one point): the source in a corner makes 4 points near.
        let input: [Float] = [1, 0, 0, 0, 0, 0, 0, 0, 0]
        let truth: [Float] = [1, 0.5, 0.2, 0.5, 0.4, 0.1, 0.2, 0.1, 0]
        var prediction = truth
        prediction[4] += 0.4   // near
        prediction[8] += 0.1   // far
        var meter = AccuracyMeter()
        try meter.add(input: input, truth: truth, prediction: prediction)
        let result = try #require(meter.result)
        #expect(abs(result.nearSourceShare! - 4.0 / 9) < 1e-9)
        #expect(abs(result.nearSourceMeanAbsoluteError! - 0.4 / 4) < 1e-6)
        #expect(abs(result.farFieldMeanAbsoluteError! - 0.1 / 5) < 1e-6)
        #expect(abs(result.meanAbsoluteError - 0.5 / 9) < 1e-6)
    }

    @Test func theReportNamesTheNetworkAndShowsTheSplitAndTheTutorialFigure() throws {
        var report = Report(title: "run")
        report.network = ("HeatUNet(levels: 4, width: 8)", 100_785)
        report.accuracy = .init(samples: 100, meanAbsoluteError: 0.0027, maxAbsoluteError: 0.066, zerosMeanAbsoluteError: 0.28,
                                identityMeanAbsoluteError: 0.26, nearSourceMeanAbsoluteError: 0.0055,
                                farFieldMeanAbsoluteError: 0.0024, nearSourceShare: 0.095)
        let html = report.html()
        #expect(html.contains("HeatUNet(levels: 4, width: 8)") && html.contains("100785 parameters"))
        #expect(html.contains("near a source (9.5% of the points)") && html.contains("0.0055") && html.contains("0.0024"))
        #expect(html.contains("the tutorial's DiffusionResNet") && html.contains("0.093–0.101"))
        let json = try #require(try JSONSerialization.jsonObject(with: report.summaryJSON()) as? [String: Any])
        #expect(json["network"] as? String == "HeatUNet(levels: 4, width: 8)")
        #expect(json["network_parameters"] as? Int == 100_785)
        #expect(json["near_source_mae"] as? Double == 0.0055 && json["far_field_mae"] as? Double == 0.0024)
        #expect(json["tutorial_network_mae"] as? [Double] == [0.093, 0.101])
    }
}
