import Testing
import RESP
import TandemClient
import TandemTesting

/// Server commands (see “Server commands” in Documentation/SmartRedisWire.md) against a real `redis-server`.
@Suite struct ClientServerTests {
    @Test func configInfoSaveAndFlush() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        let me = ServerAddress.tcp(host: "127.0.0.1", port: server.port)
        let memory = try client.configGet("maxmemory*", address: me)
        #expect(memory["maxmemory"] != nil)
        #expect(memory.count >= 4)
        try client.configSet("maxmemory", "12345678")
        #expect(try client.configGet("maxmemory")["maxmemory"] == "12345678")
        try client.configSet("maxmemory", "0")

        try server.connect().send("SET", "k", "v")
        let info = try client.info()
        #expect(info["Server"]?["tcp_port"] == String(server.port))
        #expect(info["Keyspace"]?["db0"]?.hasPrefix("keys=1") == true)
        #expect(info.keys.contains("Commandstats"), "EVERYTHING includes command statistics")

        try client.save()
        #expect(try server.connect().send("LASTSAVE").integer ?? 0 > 0)
        try client.flushDB(address: me)
        #expect(try !client.keyExists("k"))
    }

    @Test func otherAddressesAreRefused() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        do {
            try client.flushDB(address: .tcp(host: "localhost", port: server.port))
            Issue.record("only the connected address is accepted")
        } catch {
            #expect(error.message.hasPrefix("The provided address does not match the address used to initialize the non-cluster client connection. Received: localhost:"))
        }
    }

    @Test func rawCommandsReturnErrorRepliesAsValues() throws {
        let server = try Peers.plainServer()
        let client = try server.client()
        #expect(try client.send(Command("SET", "k", [0, 255, 13, 10])) == .simpleString("OK"))
        #expect(try client.send(Command("GET", "k")) == .bulkString([0, 255, 13, 10]))
        #expect(try client.send(pipeline: [Command("INCR", "n"), Command("INCR", "k"), Command("INCR", "n")])
                == [.integer(1), .error("ERR value is not an integer or out of range"), .integer(2)])
    }
}
