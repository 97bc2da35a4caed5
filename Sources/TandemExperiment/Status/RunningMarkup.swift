import Foundation

/// The parts of a run's HTML page that hold only while its driver works (a "running" badge, a
/// self-refresh), marked so that `tandem runs` can correct the page of a driver that died
/// without ending its run: the marked parts are removed and a notice saying so is put at the
/// top of the body.
public enum RunningMarkup {
    static let open = "<!--tandem:while-running-->"
    static let close = "<!--/tandem:while-running-->"

    /// `html`, marked as true only while the run goes on.
    public static func whileRunning(_ html: String) -> String { open + html + close }

    /// `page` with every marked part removed and `notice` (HTML) after `<body>`, or `nil` when
    /// the page has no marked part (it was finished, or is not such a page).
    static func markingKilled(_ page: String, notice: String) -> String? {
        var rest = Substring(page), result = ""
        var found = false
        while let start = rest.range(of: open), let end = rest[start.upperBound...].range(of: close) {
            result += rest[..<start.lowerBound]
            rest = rest[end.upperBound...]
            found = true
        }
        guard found else { return nil }
        result += rest
        guard let body = result.range(of: "<body>") else { return notice + result }
        result.insert(contentsOf: "\n" + notice, at: body.upperBound)
        return result
    }
}
