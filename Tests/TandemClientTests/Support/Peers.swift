import Foundation
import Glibc
import Testing
import RESP
import TandemClient
import TandemTesting

/// The client tests' Python peer scripts (`Python/`), run against a test server.
extension Peers {
    /// The directory of the Python peer scripts.
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Python")

    /// Runs a Python peer script against `server` with SmartRedis's environment, and returns
    /// its standard output; a non-zero exit is a test failure carrying stderr.
    static func runPython(_ script: String, _ arguments: [String], server: RedisServer,
                          environment extra: [String: String] = [:]) throws -> String {
        let python = try python()
        var environment = ProcessInfo.processInfo.environment
        for key in ["SSKEYIN", "SSKEYOUT", "SSDB", "SR_DB_TYPE"] { environment[key] = nil }
        environment["SSDB"] = "127.0.0.1:\(server.port)"
        environment["SR_DB_TYPE"] = "Standalone"
        environment["SR_LOG_LEVEL"] = "QUIET"
        for (key, value) in extra { environment[key] = value }
        let result = try TestEnvironment.run(python, [scripts.appendingPathComponent(script).path] + arguments, environment: environment)
        guard result.status == 0 else {
            throw TestEnvironmentError("\(script) \(arguments) exited with \(result.status):\n\(result.error)\n\(result.output)")
        }
        return result.output
    }
}

extension RedisServer {
    /// A client for this server with short retry budgets, so failures show quickly.
    func client(prefixes: KeyPrefixConfiguration = KeyPrefixConfiguration(),
                commandRetry: RetryPolicy = RetryPolicy(timeoutMilliseconds: 2000, intervalMilliseconds: 100),
                socketTimeoutMilliseconds: Int = 1000) throws -> Client {
        let configuration = ClientConfiguration(
            addresses: [.tcp(host: "127.0.0.1", port: port)],
            connectionRetry: RetryPolicy(timeoutMilliseconds: 2000, intervalMilliseconds: 100),
            commandRetry: commandRetry,
            socketTimeoutMilliseconds: socketTimeoutMilliseconds,
            keyPrefixes: prefixes)
        return try Client(configuration: configuration)
    }
}

/// Records the commands a server receives, through `MONITOR`, so tests can compare them
/// with the commands SmartRedis sends.
final class CommandRecorder {
    private let connection: RedisConnection
    private let connect: () throws -> RedisConnection

    convenience init(_ server: RedisServer) throws {
        try self.init { try server.connect() }
    }

    /// Records what the server reached through `connect` receives.
    init(connect: @escaping () throws -> RedisConnection) throws {
        self.connect = connect
        connection = try connect()
        #expect(try connection.send("MONITOR") == .simpleString("OK"))
    }

    /// The commands received since the last call, each as its arguments.
    func commands() throws -> [[[UInt8]]] {
        let marker = "__recorder_mark_\(UInt32.random(in: 0...UInt32.max))"
        try connect().send("ECHO", marker)
        var commands: [[[UInt8]]] = []
        while true {
            guard case .simpleString(let line) = try connection.readReply() else { continue }
            let arguments = Self.parse(line)
            if arguments.count == 2, arguments[1] == Array(marker.utf8) { return commands }
            commands.append(arguments)
        }
    }

    /// The commands as text lines, arguments separated by spaces, non-printable bytes as `\xHH`.
    func lines() throws -> [String] {
        try commands().map { $0.map(Self.render).joined(separator: " ") }
    }

    static func render(_ bytes: [UInt8]) -> String {
        bytes.map { (32...126).contains($0) && $0 != UInt8(ascii: "\\") ? String(UnicodeScalar($0)) : String(format: "\\x%02x", $0) }.joined()
    }

    /// Parses a `MONITOR` line: `timestamp [db addr] "arg" "arg" …` with C-style escapes.
    static func parse(_ line: String) -> [[UInt8]] {
        let bytes = Array(line.utf8)
        guard let start = bytes.firstIndex(of: UInt8(ascii: "]")) else { return [] }
        var arguments: [[UInt8]] = []
        var i = start + 1
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "\"") else { i += 1; continue }
            i += 1
            var argument: [UInt8] = []
            while i < bytes.count && bytes[i] != UInt8(ascii: "\"") {
                if bytes[i] == UInt8(ascii: "\\"), i + 1 < bytes.count {
                    let next = bytes[i + 1]
                    switch next {
                    case UInt8(ascii: "x"):
                        argument.append(UInt8(String(decoding: bytes[(i + 2)..<(i + 4)], as: UTF8.self), radix: 16)!)
                        i += 4
                        continue
                    case UInt8(ascii: "n"): argument.append(10)
                    case UInt8(ascii: "r"): argument.append(13)
                    case UInt8(ascii: "t"): argument.append(9)
                    case UInt8(ascii: "a"): argument.append(7)
                    case UInt8(ascii: "b"): argument.append(8)
                    default: argument.append(next)
                    }
                    i += 2
                } else {
                    argument.append(bytes[i])
                    i += 1
                }
            }
            arguments.append(argument)
            i += 1
        }
        return arguments
    }
}

/// Bytes from hex text (spaces ignored).
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}
