import Foundation
import ONNX
import RESP
import Testing
import TandemTesting

/// `SHUTDOWN` ends the server promptly whatever the module's workers are doing: running a
/// long model, with clients that left while blocked, a killed blocked client and a queue
/// of jobs behind the running one.
@Suite(.needsModule) struct ShutdownTests {
    static let ok = RESPValue.simpleString("OK")

    @Test func shutdownExitsPromptlyWhileWorkersRunModels() throws {
        // One worker: the long run below holds it, so every later job waits in the queue
        // and nothing finishes while the scenario is set up (each step waits on its condition).
        let server = try Peers.moduleServer(["THREADS_PER_QUEUE", "1"])
        let control = try server.connect()
                #expect(try control.call("AI.MODELSTORE", "m", "ONNX", "CPU", "BLOB", slowModel()) == Self.ok)
        #expect(try control.call("AI.TENSORSET", "long", "FLOAT", Self.longBatch, 1024) == Self.ok)
        #expect(try control.call("AI.TENSORSET", "short", "FLOAT", 1, 1024) == Self.ok)
        #expect(try control.call("AI.TENSORSET", "keep", "INT8", 2, "VALUES", 1, 2) == Self.ok)

        func execute(_ c: RedisConnection, input: String, output: String) throws {
            var command: [UInt8] = []
            RESPEncoder.appendCommand(["AI.MODELEXECUTE", "m", "INPUTS", "1", input, "OUTPUTS", "1", output].map { Array($0.utf8) }, to: &command)
            try c.write(command)
        }
        func blocked() throws -> Int { Int(try control.infoField("clients", "blocked_clients") ?? "") ?? -1 }
        func waitForBlocked(_ expected: Int, _ step: String) throws {
            let deadline = Date().addingTimeInterval(60)
            var now = try blocked()
            while now != expected && Date() < deadline {
                usleep(5_000)
                now = try blocked()
            }
            try #require(now == expected, "\(step): \(now) blocked clients, expected \(expected)")
        }

        // The long run occupies the only worker.
        let holder = try server.connect()
        try execute(holder, input: "long", output: "o-long")
        try waitForBlocked(1, "the long run")
        // 20 clients block behind it, then disconnect while blocked.
        do {
            let leaving = try (0..<20).map { _ in try server.connect() }
            for (i, c) in leaving.enumerated() { try execute(c, input: "short", output: "o-left\(i)") }
            try withExtendedLifetime(leaving) { try waitForBlocked(21, "20 clients blocked") }
        }
        try waitForBlocked(1, "20 clients gone")
        // One blocked client is killed.
        let victim = try server.connect()
        let victimID = try #require(try victim.call("CLIENT", "ID").integer)
        try execute(victim, input: "short", output: "o-killed")
        try waitForBlocked(2, "victim blocked")
        #expect(try control.call("CLIENT", "KILL", "ID", Int(victimID)) == .integer(1))
        try waitForBlocked(1, "victim killed")
        // 30 more jobs wait in the queue.
        let queued = try (0..<30).map { _ in try server.connect() }
        for (i, c) in queued.enumerated() { try execute(c, input: "short", output: "o-queued\(i)") }
        try waitForBlocked(31, "30 jobs queued")
        // The long run is still running: its output does not exist yet.
        #expect(try control.call("EXISTS", "o-long") == .integer(0))
        defer { withExtendedLifetime((holder, queued)) {} }

        let start = Date()
        try control.write(RESPEncoder.command(["SHUTDOWN", "NOSAVE"].map { Array($0.utf8) }))
        let deadline = start.addingTimeInterval(60)
        while server.isRunning && Date() < deadline { usleep(2_000) }
        let seconds = Date().timeIntervalSince(start)
        #expect(!server.isRunning, "redis-server still runs \(Int(seconds)) s after SHUTDOWN NOSAVE:\n\(server.log.suffix(1500))")
        #expect(seconds < 2, "redis-server took \(seconds) s to exit after SHUTDOWN NOSAVE")
        let log = server.log
        #expect(log.contains("bye bye"))
        #expect(!log.contains("crashed by signal") && !log.contains("BUG REPORT"), "\(log.suffix(3000))")
    }

    /// Samples in the long run: about 30 s of work on a 2-core test machine, several
    /// seconds on a fast one, while the scenario takes milliseconds to set up.
    static let longBatch = 8000
}
