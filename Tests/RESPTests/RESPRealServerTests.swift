import Testing
import RESP
import TandemTesting

/// The codec against a real `redis-server`: every reply kind, binary payloads, a pipeline.
@Suite struct RESPRealServerTests {
    @Test func realRepliesDecode() throws {
        let server = try RedisServer.start()
        let connection = try server.connect()
        let blob = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(try connection.send([Array("SET".utf8), Array("k".utf8), blob]) == .simpleString("OK"))
        #expect(try connection.send("GET", "k") == .bulkString(blob))
        #expect(try connection.send("GET", "missing") == .null)
        #expect(try connection.send("RPUSH", "l", "a", "b") == .integer(2))
        #expect(try connection.send("LRANGE", "l", "0", "-1") == .array([.bulkString([97]), .bulkString([98])]))
        guard case .error(let message) = try connection.send("LPUSH", "k", "x") else {
            Issue.record("LPUSH on a string must fail")
            return
        }
        #expect(message.hasPrefix("WRONGTYPE"))
    }

    @Test func pipelinedRepliesArriveInOrder() throws {
        let server = try RedisServer.start()
        let connection = try server.connect()
        var pipeline: [UInt8] = []
        for i in 0..<100 { RESPEncoder.appendCommand([Array("INCRBY".utf8), Array("n".utf8), Array("\(i)".utf8)], to: &pipeline) }
        try connection.write(pipeline)
        var total: Int64 = 0
        for i in 0..<100 {
            total += Int64(i)
            #expect(try connection.readReply() == .integer(total))
        }
    }
}
