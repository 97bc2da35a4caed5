import Foundation
import Testing
import TandemTesting
@testable import TandemExperiment

@Suite struct SummaryTests {
    @Test func theTextTableHasTheTutorialsColumnsAndOneRowPerRun() throws {
        let (experiment, _) = try makeExperiment()
        let ok = experiment.createModel("ok", runSettings: RunSettings(executable: "/bin/sh", arguments: ["-c", "exit 0"]))
        let bad = experiment.createModel("bad_model", runSettings: RunSettings(executable: "/bin/sh", arguments: ["-c", "exit 4"]))
        try experiment.start(ok, bad)
        let lines = experiment.summary().split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].split(separator: " ") == ["Name", "Entity-Type", "JobID", "RunID", "Time", "Status", "Returncode"])
        let reports = experiment.reports()
        let first = lines[1].split(separator: " ").map(String.init)
        #expect(first.count == 8)
        #expect(first[0] == "0" && first[1] == "ok" && first[2] == "Model" && first[3] == reports[0].jobID && first[4] == "0")
        #expect(Double(first[5]) != nil)
        #expect(first[6] == "Completed" && first[7] == "0")
        #expect(lines[2].hasSuffix("Failed     4") || lines[2].split(separator: " ").suffix(2) == ["Failed", "4"])
        // Columns line up: every row starts its Name column where the header does.
        let nameColumn = lines[0].range(of: "Name")!.lowerBound.utf16Offset(in: lines[0])
        #expect(lines[1].range(of: "ok")!.lowerBound.utf16Offset(in: lines[1]) == nameColumn)
    }

    @Test func theHTMLTableEscapesAndHasTheSameColumns() throws {
        let (experiment, _) = try makeExperiment()
        let model = experiment.createModel("a<b>&c", runSettings: RunSettings(executable: "/bin/true"))
        try experiment.start(model)
        let html = experiment.summary(format: .html)
        #expect(html.hasPrefix("<table>"))
        for column in Experiment.summaryColumns { #expect(html.contains("<th>\(column)</th>")) }
        #expect(html.contains("<td>a&lt;b&gt;&amp;c</td>"))
        #expect(html.contains("<td>Completed</td>"))
    }

    @Test func aRunningJobHasNoReturnCodeYet() throws {
        let (experiment, _) = try makeExperiment()
        let sleeper = experiment.createModel("sleeper", runSettings: RunSettings(executable: "sleep", arguments: ["600"]))
        try experiment.start(sleeper, block: false)
        defer { experiment.stop(sleeper, grace: .milliseconds(200)) }
        let report = try #require(experiment.reports().first)
        #expect(report.status == .running && report.returnCode == nil)
        #expect(experiment.summary().split(separator: "\n")[1].hasSuffix("Running"))
    }
}
