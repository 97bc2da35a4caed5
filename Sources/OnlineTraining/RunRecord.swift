import Foundation
import Synchronization
import TandemExperiment
import TandemPlot

/// The run's report, shared between the driver's main flow and its interrupt handler: every
/// change is written to `report.html` and `summary.json` at once. After ``seal(_:)`` (the run
/// ended: finished, failed or interrupted) later updates are ignored, so a main flow cut
/// short by an interrupt cannot overwrite the final report.
public final class RunRecord: Sendable {
    private struct State {
        var report: Report
        var sealed = false
    }

    private let state: Mutex<State>
    /// Where the files go.
    public let writer: ReportWriter
    private let console: Console

    /// A record writing into `writer`'s directory, its wall time measured by `console`.
    public init(report: Report, writer: ReportWriter, console: Console) {
        self.state = Mutex(State(report: report))
        self.writer = writer
        self.console = console
    }

    /// Whether the run has ended (no more updates are taken).
    public var isSealed: Bool { state.withLock { $0.sealed } }

    /// The report as it stands.
    public var report: Report { state.withLock { $0.report } }

    /// Changes the report and rewrites its files; ignored once sealed.
    ///
    /// - Throws: when the files cannot be written.
    public func update(_ change: (inout Report) -> Void) throws {
        try state.withLock { state in
            guard !state.sealed else { return }
            change(&state.report)
            state.report.wallSeconds = console.elapsedSeconds
            try writer.write(state.report)
        }
    }

    /// Writes a picture and adds it to the report; ignored once sealed.
    ///
    /// - Throws: when the file cannot be written.
    public func addPicture(_ bytes: [UInt8], file: String, title: String, caption: String = "") throws {
        try state.withLock { state in
            guard !state.sealed else { return }
            try writer.writePicture(bytes, named: file)
        }
        try update { $0.add(Report.Figure(title: title, file: file, caption: caption)) }
    }

    /// The last change: applies it, writes the files and takes no update after it. Only the
    /// first call has an effect; returns whether it was this one.
    ///
    /// - Throws: when the files cannot be written (the record is sealed all the same).
    @discardableResult
    public func seal(_ change: (inout Report) -> Void) throws -> Bool {
        try state.withLock { state in
            guard !state.sealed else { return false }
            state.sealed = true
            change(&state.report)
            state.report.wallSeconds = console.elapsedSeconds
            try writer.write(state.report)
            return true
        }
    }
}

extension Report.EntityStatus {
    /// A job's latest run as the report shows it.
    init(_ job: JobReport) {
        let (seconds, attoseconds) = job.elapsed.components
        self.init(name: job.name, entityType: job.entityType, jobID: job.jobID, runID: job.runID,
                  seconds: Double(seconds) + Double(attoseconds) / 1e18, status: job.status.description,
                  returnCode: job.returnCode.map(Int.init))
    }
}
