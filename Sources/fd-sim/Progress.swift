import Foundation
import Glibc

/// Progress of a long loop: a redrawn bar on a terminal, a log line every 10% otherwise.
final class Progress {
    private let total: Int
    private let isTerminal = isatty(STDOUT_FILENO) != 0
    private let start = Date()
    private var lastReported = -1

    init(total: Int) {
        self.total = total
    }

    func advance(to done: Int, batches: Int) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(done) / max(elapsed, 1e-9)
        if isTerminal {
            let width = 30, filled = width * done / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            print(String(format: "\r%@ %d/%d simulations, %d batches, %.0f/s", bar, done, total, batches, rate),
                  terminator: "")
            fflush(nil)
        } else if done * 10 / total > lastReported || done == total {
            lastReported = done * 10 / total
            print(String(format: "%d/%d simulations, %d batches uploaded, %.1f s", done, total, batches, elapsed))
            fflush(nil)
        }
    }

    func finish(batches: Int) {
        if isTerminal { print() }
        print(String(format: "done: %d simulations, %d batches in %.2f s", total, batches, Date().timeIntervalSince(start)))
    }
}
