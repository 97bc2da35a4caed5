import Foundation

/// Writes a ``Report`` as `report.html` and `summary.json` in a directory, each replaced
/// atomically (written beside, then renamed), so a reader never sees half a file.
public struct ReportWriter: Sendable {
    /// The directory holding the report and its pictures.
    public let directory: URL

    /// The HTML page's file name.
    public static let htmlName = "report.html"
    /// The machine-readable summary's file name.
    public static let summaryName = "summary.json"

    /// A writer into `directory`, created if missing.
    ///
    /// - Throws: when the directory cannot be created.
    public init(directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Where the HTML page goes.
    public var htmlURL: URL { directory.appendingPathComponent(Self.htmlName) }
    /// Where the summary goes.
    public var summaryURL: URL { directory.appendingPathComponent(Self.summaryName) }

    /// Writes both files.
    ///
    /// - Throws: when a file cannot be written.
    public func write(_ report: Report) throws {
        try Data(report.html().utf8).write(to: htmlURL, options: .atomic)
        try report.summaryJSON().write(to: summaryURL, options: .atomic)
    }

    /// Writes a picture file beside the report (atomically) and returns its relative path.
    ///
    /// - Throws: when the file cannot be written.
    @discardableResult
    public func writePicture(_ bytes: some DataProtocol, named name: String) throws -> String {
        try Data(bytes).write(to: directory.appendingPathComponent(name), options: .atomic)
        return name
    }
}
