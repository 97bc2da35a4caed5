import Glibc
import RESP
import Testing
import TandemRedis
import TandemTesting

/// The one connection every part of Tandem uses, against a real `redis-server`.
@Suite struct RedisConnectionTests {
    @Test func pipelinesRepliesInOrderWithLargeArguments() throws {
        let server = try RedisServer.start()
        let connection = try server.connect()
        let large = [UInt8]((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let replies = try connection.exchange([
            Command("SET", "small", "v"), Command(arguments: [Array("SET".utf8), Array("large".utf8), large]),
            Command("GET", "small"), Command("GET", "large"), Command("NOSUCHCOMMAND"),
        ])
        #expect(replies.count == 5)
        #expect(replies[0] == .simpleString("OK"))
        #expect(replies[2] == .bulkString(Array("v".utf8)))
        #expect(replies[3] == .bulkString(large))
        guard case .error(let message) = replies[4] else {
            Issue.record("an unknown command must come back as an error reply, got \(replies[4])")
            return
        }
        #expect(message.contains("unknown command"))
    }

    @Test func reconnectsAfterTheServerClosedTheConnection() throws {
        let server = try RedisServer.start()
        let connection = try server.connect()
        try connection.send("CLIENT", "SETNAME", "victim")
        try server.connect().send("CLIENT", "KILL", "SKIPME", "no", "ID", "\(try connection.send("CLIENT", "ID").integer ?? -1)")
        #expect(throws: ExchangeFailure.self) { try connection.send("PING") }
        #expect(!connection.isOpen, "a failed exchange closes the socket")
        #expect(try connection.send("PING") == .simpleString("PONG"), "the next exchange opens a new one")
    }

    @Test func authenticatesWithAPasswordAndReportsARefusedOne() throws {
        let server = try RedisServer.start(extraArguments: ["--requirepass", "s3cret"])
        let anonymous = try server.connect()
        guard case .error(let message) = try anonymous.send("GET", "k") else {
            Issue.record("a server with a password must refuse an anonymous command")
            return
        }
        #expect(message.hasPrefix("NOAUTH"))
        let authenticated = try RedisConnection.open(port: server.port, password: "s3cret")
        #expect(try authenticated.send("PING") == .simpleString("PONG"))
        do {
            _ = try RedisConnection.open(port: server.port, password: "wrong")
            Issue.record("a wrong password must be refused")
        } catch {
            guard case .authentication(let reply) = error else {
                Issue.record("expected an authentication failure, got \(error)")
                return
            }
            #expect(reply.contains("WRONGPASS") || reply.contains("invalid"))
        }
    }

    @Test func aClosedPortFailsWithTheSystemsReason() throws {
        let port = try Ports.free()
        do {
            _ = try RedisConnection.open(port: port, timeoutMilliseconds: 5_000)
            Issue.record("nothing listens on \(port)")
        } catch {
            guard case .socket(let failure) = error else {
                Issue.record("expected a socket failure, got \(error)")
                return
            }
            #expect(failure.code == ECONNREFUSED, "\(failure)")
            #expect(failure.description.contains("127.0.0.1:\(port)"))
        }
    }

    @Test func aSilentServerTimesOut() throws {
        // A listening socket that never answers: connect succeeds, the reply never comes.
        let port = try Ports.free()
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0 && listen(listener, 4) == 0)
        let connection = try RedisConnection.open(port: port, timeoutMilliseconds: 200)
        do {
            _ = try connection.send("PING")
            Issue.record("a server that never answers must time out")
        } catch {
            guard case .socket(let failure) = error else {
                Issue.record("expected a socket failure, got \(error)")
                return
            }
            #expect(failure.isTimeout, "\(failure)")
        }
    }
}

/// Ports and the launcher.
@Suite struct PortsAndServerProcessTests {
    @Test func aFreePortIsBindableAndAListeningOneIsNot() throws {
        let port = try Ports.free()
        try Ports.checkBindable(host: "127.0.0.1", port: port)
        let server = try RedisServer.start(port: port)
        #expect(server.port == port)
        do {
            try Ports.checkBindable(host: "127.0.0.1", port: port)
            Issue.record("a port with a server on it must not be bindable")
        } catch {
            #expect(error.code == EADDRINUSE, "\(error)")
        }
        #expect(throws: SocketError.self) { try Ports.checkBindable(host: "127.0.0.1", port: 99_999) }
        #expect(throws: SocketError.self) { try Ports.checkBindable(host: "not-an-address", port: 6379) }
    }

    @Test func stopEndsAndReapsTheServer() throws {
        let server = try RedisServer.start()
        let pid = server.processID
        #expect(server.isRunning)
        server.stop()
        #expect(!server.isRunning)
        #expect(kill(pid, 0) != 0, "the process is gone and reaped, not a zombie")
    }

    @Test func aServerThatCannotStartSaysWhy() throws {
        let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "bad")
        do {
            _ = try RedisServer.start(extraArguments: ["--no-such-option", "x"], directory: directory)
            Issue.record("an unknown option must stop redis-server from starting")
        } catch {
            #expect("\(error)".contains("exited during start-up"), "\(error)")
        }
    }
}
