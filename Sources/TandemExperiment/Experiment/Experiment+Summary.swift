import Foundation

/// How ``Experiment/summary(format:)`` writes its table.
public enum SummaryFormat: String, Sendable, CaseIterable {
    /// Aligned plain-text columns.
    case text
    /// An HTML `<table>`.
    case html
}

extension Experiment {
    /// The columns of SmartSim's summary table, in order (after the unnamed row index).
    public static let summaryColumns = ["Name", "Entity-Type", "JobID", "RunID", "Time", "Status", "Returncode"]

    /// Every run of every job as a table with SmartSim's columns: name, entity type, job id,
    /// run id, time (seconds), status and return code (empty while running).
    ///
    /// ```
    ///    Name             Entity-Type  JobID  RunID  Time    Status     Returncode
    /// 0  fd_simulation_0  Model        61776  0      124.276 Completed  0
    /// ```
    public func summary(format: SummaryFormat = .text) -> String {
        let rows = reports().enumerated().map { index, report in
            [String(index), report.name, report.entityType, report.jobID, String(report.runID),
             Self.seconds(report.elapsed), report.status.description, report.returnCode.map(String.init) ?? ""]
        }
        let header = [""] + Self.summaryColumns
        switch format {
        case .text: return Self.textTable(header: header, rows: rows)
        case .html: return Self.htmlTable(header: header, rows: rows)
        }
    }

    private static func seconds(_ duration: Duration) -> String {
        let (s, attoseconds) = duration.components
        return String(format: "%.3f", Double(s) + Double(attoseconds) / 1e18)
    }

    private static func textTable(header: [String], rows: [[String]]) -> String {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    private static func htmlTable(header: [String], rows: [[String]]) -> String {
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var html = "<table>\n<thead>\n<tr>" + header.map { "<th>\(escaped($0))</th>" }.joined() + "</tr>\n</thead>\n<tbody>\n"
        for row in rows {
            html += "<tr><th>\(escaped(row[0]))</th>" + row.dropFirst().map { "<td>\(escaped($0))</td>" }.joined() + "</tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }
}
