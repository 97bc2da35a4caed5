import Foundation
import Glibc
import Synchronization

/// The driver's terminal output: one line per event, stamped with the seconds since the
/// start, and a status line (simulations done, epoch, loss, checkpoints). On a terminal the
/// status line is redrawn in place; in a log it is printed only when it changed and at most
/// every `logInterval`, so a long run does not drown the screen.
public final class Console: Sendable {
    private struct State {
        var status = ""
        var statusShown = false
        var lastStatusPrint: ContinuousClock.Instant?
        var lastPrintedStatus = ""
        var silenced = false
    }

    private let state = Mutex(State())
    private let start: ContinuousClock.Instant
    private let isTerminal: Bool
    private let logInterval: Duration

    /// A console writing to standard output.
    ///
    /// - Parameters:
    ///   - start: the instant the stamps count from.
    ///   - logInterval: the shortest time between two status lines when not on a terminal.
    public init(start: ContinuousClock.Instant = .now, logInterval: Duration = .seconds(5)) {
        self.start = start
        self.isTerminal = isatty(STDOUT_FILENO) != 0
        self.logInterval = logInterval
    }

    /// Seconds since the start.
    public var elapsedSeconds: Double {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Prints one event line.
    public func event(_ text: String) {
        state.withLock { state in
            guard !state.silenced else { return }
            clearStatus(&state)
            print(String(format: "[%6.1f s] ", elapsedSeconds) + text)
            redrawStatus(&state)
            fflush(nil)
        }
    }

    /// Prints a line without a stamp (tables, final figures).
    public func plain(_ text: String) {
        state.withLock { state in
            guard !state.silenced else { return }
            clearStatus(&state)
            print(text)
            fflush(nil)
        }
    }

    /// Updates the status line.
    public func status(_ text: String) {
        state.withLock { state in
            guard !state.silenced, text != state.status else { return }
            state.status = text
            if isTerminal {
                clearStatus(&state)
                redrawStatus(&state)
            } else {
                let now = ContinuousClock.now
                if let last = state.lastStatusPrint, now - last < logInterval { return }
                state.lastStatusPrint = now
                state.lastPrintedStatus = text
                print(String(format: "[%6.1f s] ", elapsedSeconds) + text)
            }
            fflush(nil)
        }
    }

    /// Ends the status line (prints its latest text in a log if it was not printed yet).
    public func endStatus() {
        state.withLock { state in
            guard !state.silenced else { return }
            if isTerminal {
                if state.statusShown { print() }
                state.statusShown = false
            } else if !state.status.isEmpty && state.status != state.lastPrintedStatus {
                print(String(format: "[%6.1f s] ", elapsedSeconds) + state.status)
                state.lastPrintedStatus = state.status
            }
            state.status = ""
            fflush(nil)
        }
    }

    /// Stops all further output except ``finalWords(_:)`` (used once an interrupt takes over:
    /// the interrupted main flow must not print over the final words).
    public func silence() {
        state.withLock { state in
            clearStatus(&state)
            state.silenced = true
            fflush(nil)
        }
    }

    /// Prints even when silenced (the interrupt handler's final words).
    public func finalWords(_ text: String) {
        state.withLock { _ in
            print(text)
            fflush(nil)
        }
    }

    private func clearStatus(_ state: inout State) {
        if isTerminal && state.statusShown {
            print("\r\u{1B}[K", terminator: "")
            state.statusShown = false
        }
    }

    private func redrawStatus(_ state: inout State) {
        guard isTerminal, !state.status.isEmpty else { return }
        print(state.status, terminator: "")
        state.statusShown = true
    }
}
