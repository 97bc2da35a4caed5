import Foundation
import Glibc
import TandemRedis

/// Something a test needs from the machine is missing or broken.
public struct TestEnvironmentError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What tests need from the machine: `redis-server`, temporary directories, free ports,
/// programs built with the tests. The other peers (module, Python, `redis-cli`) are in
/// ``Peers``.
public enum TestEnvironment {
    /// Whether this is a CI run (`CI` set): a missing peer is then a failure, never a skip.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    /// `redis-server` from `REDIS_SERVER`, else from `PATH` or `/usr/bin`.
    public static func redisServerPath() throws -> String {
        guard let path = RedisServerProcess.defaultExecutable() else {
            throw TestEnvironmentError("redis-server not found: install it (apt-get install redis-server) or run `make test`")
        }
        return path
    }

    /// The path of an executable of this package built with the tests: products land
    /// beside the test binary.
    public static func builtProgram(_ name: String) -> String {
        let me = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        return me.deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// A new empty temporary directory.
    public static func makeTemporaryDirectory(prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("tandem-\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it).
    public static func freePort() throws -> Int {
        do { return try Ports.free() } catch { throw TestEnvironmentError("no free port: \(error)") }
    }

    /// The first of `count` consecutive free ports, with their cluster-bus ports (+10,000) free too.
    public static func freeClusterPorts(count: Int) throws -> Int {
        do { return try Ports.freeConsecutive(count: count, busOffset: 10_000) } catch {
            throw TestEnvironmentError("no free ports: \(error)")
        }
    }

    /// Checks `condition` every 10 ms until it holds or `seconds` have passed (a generous
    /// deadline: it only catches a hang, so a loaded machine never fails a test by being slow).
    ///
    /// - Returns: whether the condition held.
    @discardableResult
    public static func waitUntil(seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if try condition() { return true }
            if Date() >= deadline { return false }
            usleep(10_000)
        }
    }

    /// Runs a program to completion and returns its exit status, standard output and error.
    public static func run(_ executable: String, _ arguments: [String],
                           environment: [String: String]? = nil) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so neither fills up and blocks the child.
        nonisolated(unsafe) var errorData = Data()
        let reader = Thread { errorData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self),
                String(decoding: errorData, as: UTF8.self))
    }
}
