import Foundation

/// A peer program in a long-lived process of its own, spoken to in lines: a request line on
/// its standard input, a reply line on its standard output.
final class LinePeerProcess {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffered: [UInt8] = []

    /// Starts `executable` with `arguments` (and `environment`, else this process's); its
    /// standard error is this process's unless `discardingErrors`.
    init(executable: String, arguments: [String], environment: [String: String]? = nil, discardingErrors: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = input
        process.standardOutput = output
        if discardingErrors { process.standardError = FileHandle.nullDevice }
        try process.run()
    }

    /// Sends `line` (a newline is added).
    func send(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    /// The next line of its output, or `nil` once it has ended.
    func readLine() -> String? {
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered.removeSubrange(...newline)
                return line
            }
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { return nil }
            buffered += data
        }
    }

    /// Waits for it to end and returns its exit status.
    func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Closes its input (so it ends) and waits for it.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
