import Testing
@testable import TandemExperiment

@Suite struct RunningMarkupTests {
    @Test func aKilledPageLosesItsRunningPartsAndSaysSo() throws {
        let page = "<html><head>" + RunningMarkup.whileRunning("<meta refresh>") + "</head><body>\n<h1>Run</h1>"
            + RunningMarkup.whileRunning("<p>running</p>") + "<p>kept</p></body></html>"
        let marked = try #require(RunningMarkup.markingKilled(page, notice: "<p>killed</p>"))
        #expect(marked == "<html><head></head><body>\n<p>killed</p>\n<h1>Run</h1><p>kept</p></body></html>")
    }

    @Test func aPageWithoutRunningPartsIsLeftAlone() {
        #expect(RunningMarkup.markingKilled("<html><body><p>finished</p></body></html>", notice: "x") == nil)
        #expect(RunningMarkup.markingKilled("<!--tandem:while-running--> never closed", notice: "x") == nil)
    }
}
