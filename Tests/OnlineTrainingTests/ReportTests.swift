import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import OnlineTraining
import TandemTesting

@Suite struct ReportTests {
    static func sample() -> Report {
        var report = Report(title: "Online training <demo>")
        report.parameters = [("replicas", 2), ("size", 64), ("learning rate", 0.01), ("module", "/tmp/lib.so"), ("seeded", true)]
        report.add(.init(title: "Simulation", file: "samples.png", caption: "u_steady of 5 simulations"))
        report.add(.init(title: "Model at training epoch 10", file: "model_epoch_10.png"))
        report.add(.init(title: "Simulation (redrawn)", file: "samples.png"))
        report.entities = [
            .init(name: "fd_simulation_0", entityType: "Model", jobID: "123", runID: 0, seconds: 12.5, status: "Completed", returnCode: 0),
            .init(name: "orchestrator_0", entityType: "DBNode", jobID: "99", runID: 0, seconds: 20, status: "Running", returnCode: nil),
        ]
        report.setSeries("training_loss", [0.3, 0.2])
        report.setSeries("training_loss", [0.3, 0.2, 0.1])
        report.log("database ready")
        report.wallSeconds = 21.25
        return report
    }

    @Test func theSummaryHoldsTypedParametersStatusesAndNullAccuracyUntilMeasured() throws {
        var report = Self.sample()
        var json = try #require(try JSONSerialization.jsonObject(with: report.summaryJSON()) as? [String: Any])
        #expect(json["state"] as? String == "running")
        #expect(json["wall_time_s"] as? Double == 21.25)
        let parameters = try #require(json["parameters"] as? [String: Any])
        #expect(parameters["replicas"] as? Int == 2)
        #expect(parameters["learning rate"] as? Double == 0.01)
        #expect(parameters["module"] as? String == "/tmp/lib.so")
        #expect(parameters["seeded"] as? Bool == true)
        for key in ["test_mae", "test_max_abs_error", "zeros_mae", "identity_mae", "test_samples"] {
            #expect(json[key] is NSNull, "\(key) is null before the accuracy is measured")
        }
        let entities = try #require(json["entities"] as? [[String: Any]])
        #expect(entities.map { $0["status"] as? String } == ["Completed", "Running"])
        #expect(entities[0]["return_code"] as? Int == 0 && entities[1]["return_code"] is NSNull)
        #expect(entities[0]["entity_type"] as? String == "Model" && entities[0]["time_s"] as? Double == 12.5)
        #expect((json["series"] as? [String: [Double]])?["training_loss"] == [0.3, 0.2, 0.1])
        let figures = try #require(json["figures"] as? [[String: String]])
        #expect(figures.map { $0["file"] } == ["samples.png", "model_epoch_10.png"], "a redrawn file replaces its figure")
        #expect(figures[0]["title"] == "Simulation (redrawn)")

        report.accuracy = .init(samples: 100, meanAbsoluteError: 0.05, maxAbsoluteError: 0.4,
                                zerosMeanAbsoluteError: 0.28, identityMeanAbsoluteError: 0.26)
        report.state = .finished
        json = try #require(try JSONSerialization.jsonObject(with: report.summaryJSON()) as? [String: Any])
        #expect(json["test_mae"] as? Double == 0.05)
        #expect(json["test_max_abs_error"] as? Double == 0.4)
        #expect(json["zeros_mae"] as? Double == 0.28)
        #expect(json["identity_mae"] as? Double == 0.26)
        #expect(json["test_samples"] as? Int == 100)
        #expect(json["state"] as? String == "finished")
    }

    @Test func nonFiniteNumbersBecomeNull() throws {
        var report = Self.sample()
        report.accuracy = .init(samples: 1, meanAbsoluteError: .nan, maxAbsoluteError: .infinity,
                                zerosMeanAbsoluteError: 0.1, identityMeanAbsoluteError: 0.2)
        let json = try #require(try JSONSerialization.jsonObject(with: report.summaryJSON()) as? [String: Any])
        #expect(json["test_mae"] is NSNull && json["test_max_abs_error"] is NSNull)
        #expect(json["zeros_mae"] as? Double == 0.1)
    }

    @Test func theHTMLIsWellFormedEscapedAndShowsEverything() throws {
        var report = Self.sample()
        report.accuracy = .init(samples: 100, meanAbsoluteError: 0.0512, maxAbsoluteError: 0.41,
                                zerosMeanAbsoluteError: 0.277, identityMeanAbsoluteError: 0.256)
        let html = report.html()
        #expect(html.contains("<title>Online training &lt;demo&gt;</title>"))
        #expect(html.contains("http-equiv=\"refresh\""), "a running report reloads itself")
        #expect(html.contains("<img src=\"samples.png\"") && html.contains("<img src=\"model_epoch_10.png\""))
        #expect(html.contains("Model at training epoch 10"))
        #expect(html.contains("<td>fd_simulation_0</td>") && html.contains("<td>Completed</td>"))
        #expect(html.contains("0.0512") && html.contains("0.277") && html.contains("0.256"))
        #expect(html.contains("/tmp/lib.so") && html.contains("database ready"))
        // The body parses as XML (every element closed), with an independent parser.
        let body = try #require(html.range(of: "<body>")).lowerBound
        let end = try #require(html.range(of: "</body>")).upperBound
        let parser = XMLParser(data: Data(html[body..<end].utf8))
        #expect(parser.parse(), "\(String(describing: parser.parserError))")

        report.state = .finished
        #expect(!report.html().contains("http-equiv=\"refresh\""), "a finished report stays still")
    }

    @Test func theWriterReplacesBothFilesAndPlacesPictures() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "report").appendingPathComponent("nested/output")
        let writer = try ReportWriter(directory: directory)
        var report = Self.sample()
        let name = try writer.writePicture(Data([1, 2, 3]), named: "picture.png")
        #expect(name == "picture.png")
        #expect(try Data(contentsOf: directory.appendingPathComponent(name)) == Data([1, 2, 3]))
        try writer.write(report)
        #expect(try String(contentsOf: writer.htmlURL, encoding: .utf8) == report.html())
        report.state = .interrupted
        report.message = "interrupted by SIGINT"
        try writer.write(report)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: writer.summaryURL)) as? [String: Any])
        #expect(json["state"] as? String == "interrupted" && json["message"] as? String == "interrupted by SIGINT")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(leftovers == ["picture.png", "report.html", "summary.json"], "no temporary files are left behind")
    }
}
