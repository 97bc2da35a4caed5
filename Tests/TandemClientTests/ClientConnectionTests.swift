import Foundation
import Glibc
import Synchronization
import Testing
import RESP
import TandemClient
import TandemTesting

/// Connecting, retrying and recovering (see “Connecting” in Documentation/SmartRedisWire.md) against real
/// `redis-server` processes that are killed and restarted.
@Suite struct ClientConnectionTests {
    @Test func connectsOverTCPAndUnixSockets() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "sock")
        let socket = directory.appendingPathComponent("redis.sock").path
        let server = try RedisServer.start(extraArguments: ["--unixsocket", socket, "--unixsocketperm", "700"])
        let viaSocket = try Client(configuration: ClientConfiguration(environment: ["SSDB": "unix://\(socket)", "SR_DB_TYPE": "Standalone"]))
        #expect(viaSocket.address == .unix(path: socket))
        try viaSocket.send(Command("SET", "k", "from-unix"))
        let viaTCP = try Client(configuration: ClientConfiguration(environment: ["SSDB": "tcp://127.0.0.1:\(server.port)", "SR_DB_TYPE": "Standalone"]))
        #expect(try viaTCP.send(Command("GET", "k")) == .bulkString(Array("from-unix".utf8)))
    }

    @Test func picksOneOfSeveralAddresses() throws {
        let server = try Peers.plainServer()
        let ssdb = "127.0.0.1:\(server.port),localhost:\(server.port),"
        let addresses: Set<ServerAddress> = [.tcp(host: "127.0.0.1", port: server.port), .tcp(host: "localhost", port: server.port)]
        var seen: Set<ServerAddress> = []
        for _ in 0..<20 {
            let client = try Client(configuration: ClientConfiguration(environment: ["SSDB": ssdb, "SR_DB_TYPE": "Standalone"]))
            #expect(addresses.contains(client.address))
            seen.insert(client.address)
        }
        #expect(seen == addresses, "20 random choices among two addresses hit both")
    }

    @Test func theDefaultClusterTypeWorksWithAStandaloneServer() throws {
        // SmartRedis retries for 100 s and fails here; Tandem sees that cluster support is off.
        let server = try Peers.plainServer()
        let recorder = try CommandRecorder(server)
        let client = try Client(configuration: ClientConfiguration(environment: ["SSDB": "127.0.0.1:\(server.port)"]))
        #expect(client.configuration.kind == .clustered)
        try client.send(Command("SET", "k", "v"))
        #expect(try recorder.lines() == ["CLUSTER SLOTS", "SET k v"])
    }

    @Test func connectionFailureFollowsTheRetryBudget() throws {
        let port = try TestEnvironment.freePort()
        let start = Date()
        do {
            _ = try Client(configuration: ClientConfiguration(environment: [
                "SSDB": "127.0.0.1:\(port)", "SR_DB_TYPE": "Standalone", "SR_CONN_TIMEOUT": "1", "SR_CONN_INTERVAL": "300"]))
            Issue.record("nothing listens there")
        } catch {
            let elapsed = Date().timeIntervalSince(start)
            #expect(error.code == .connection)
            #expect(error.message.contains("after 4 attempts"), "\(error.message)")
            #expect(error.message.contains("127.0.0.1:\(port)"))
            #expect(elapsed >= 0.85 && elapsed < 3, "4 attempts with 3 sleeps of 300 ms, took \(elapsed) s")
        }
    }

    @Test func anOperationInFlightSurvivesARestartWithinTheWindow() throws {
        var server = try Peers.plainServer()
        let client = try server.client(commandRetry: RetryPolicy(timeoutMilliseconds: 8000, intervalMilliseconds: 100),
                                       socketTimeoutMilliseconds: 3000)
        var ds = Dataset(name: "survivor")
        try ds.addMetaString("note", "written across a restart")
        // Block the server, send our command, kill the server while the command waits for
        // its reply, and restart it half a second later.
        let pid = try serverPID(server.port)
        let blocker = try server.connect()
        try blocker.write(RESPEncoder.command(["DEBUG", "SLEEP", "2"].map { Array($0.utf8) }))
        let restarted = Restarter(server: server, pid: pid)
        let thread = Thread { restarted.run(killAfter: 0.3, restartAfter: 0.5) }
        thread.start()
        usleep(100_000)
        let t0 = Date()
        try client.putDataset(ds)
        #expect(Date().timeIntervalSince(t0) > 0.6, "the put was in flight across the kill and the restart")
        while !thread.isFinished { usleep(10_000) }
        server = try #require(restarted.server)
        #expect(try serverPID(server.port) != pid, "the server really was replaced")
        #expect(try client.datasetExists("survivor"))
        #expect(try client.getDataset("survivor").metaStrings("note") == ["written across a restart"])
    }

    @Test func pastTheWindowAClearTimeoutAndNoCompleteDataset() throws {
        var server = try Peers.plainServer()
        let client = try server.client(commandRetry: RetryPolicy(timeoutMilliseconds: 1000, intervalMilliseconds: 200))
        try client.send(Command("SET", "k", "v"))
        try server.connect().send("SAVE")
        server.stop()
        var ds = Dataset(name: "lost")
        try ds.addMetaScalar("n", 1)
        let start = Date()
        do {
            try client.putDataset(ds)
            Issue.record("the server is down")
        } catch {
            let elapsed = Date().timeIntervalSince(start)
            #expect(error.code == .timeout)
            #expect(error.message.contains("SR_CMD_TIMEOUT"), "\(error.message)")
            #expect(error.message.contains("6 attempts"), "\(error.message)")
            #expect(elapsed >= 0.95 && elapsed < 4, "took \(elapsed) s")
        }
        server = try server.restart()
        #expect(try client.send(Command("GET", "k")) == .bulkString(Array("v".utf8)), "the client reconnects by itself")
        #expect(try !client.datasetExists("lost"))
    }

    @Test func aSlowCommandIsNotResent() throws {
        // SmartRedis re-sends a command that takes longer than SR_SOCKET_TIMEOUT; Tandem waits.
        let server = try Peers.plainServer()
        let client = try server.client(socketTimeoutMilliseconds: 100)
        let blocker = try server.connect()
        try blocker.write(RESPEncoder.command(["DEBUG", "SLEEP", "0.5"].map { Array($0.utf8) }))
        usleep(50_000)
        let start = Date()
        try client.save()
        #expect(Date().timeIntervalSince(start) > 0.3, "SAVE waited behind the sleeping server")
        #expect(try server.connect().send("INFO", "commandstats").string?.contains("cmdstat_save:calls=1,") == true)
    }

    @Test func oneClientServesManyThreads() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for round in 0..<25 {
                do {
                    var ds = Dataset(name: "w\(worker)")
                    try ds.addMetaScalar("round", round)
                    try client.putDataset(ds)
                    try client.appendToList("all", datasetNamed: "w\(worker)")
                    guard try client.getDataset("w\(worker)").metaScalars("round", as: Int.self) == [round] else {
                        failures.withLock { $0 += 1 }
                        continue
                    }
                } catch {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        #expect(failures.withLock { $0 } == 0, "every thread reads back its own writes")
        #expect(try client.getListLength("all") == 200)
    }

    /// The server's process id, from `INFO server`.
    private func serverPID(_ port: Int) throws -> Int32 {
        let text = try RedisConnection.open(port: port).send("INFO", "server").string ?? ""
        let line = text.split(separator: "\r\n").first { $0.hasPrefix("process_id:") } ?? ""
        return Int32(line.dropFirst("process_id:".count)) ?? -1
    }
}

/// Kills a server with SIGKILL and restarts it on the same port, on another thread.
private final class Restarter: @unchecked Sendable {
    private let original: RedisServer
    private let pid: Int32
    private(set) var server: RedisServer?

    init(server: RedisServer, pid: Int32) {
        original = server
        self.pid = pid
    }

    func run(killAfter: Double, restartAfter: Double) {
        usleep(UInt32(killAfter * 1_000_000))
        kill(pid, SIGKILL)
        usleep(UInt32(restartAfter * 1_000_000))
        server = try? original.restart()
    }
}
