import Testing
import RESP
@testable import TandemClient
import TandemRedis

/// The pure parts of cluster routing: CRC16 slots with hash tags, SmartRedis's node
/// prefixes (the inverse CRC16), the slot split and the `CLUSTER SLOTS` parser.
@Suite struct ClusterSlotsTests {
    @Test func crc16AndSlotsMatchRedis() {
        #expect(HashSlot.crc16(Array("123456789".utf8)) == 0x31C3)
        #expect(HashSlot.of("b") == 3300)
        #expect(HashSlot.of("a") == 15495)
        #expect(HashSlot.of("foo") == 12182)
        #expect(HashSlot.of("{cds}.meta") == 2849)
        #expect(HashSlot.of("{user1000}.following") == 3443)
        #expect(HashSlot.of("{user1000}.followers") == HashSlot.of("user1000"))
    }

    @Test func hashTagsFollowRedisRule() {
        #expect(HashSlot.of("{}x") == HashSlot.of(Array("{}x".utf8)), "an empty tag hashes the whole key")
        #expect(HashSlot.of("{}x") != HashSlot.of("x"))
        #expect(HashSlot.of("a}{b}") == HashSlot.of("b"), "the tag starts at the first {")
        #expect(HashSlot.of("{a}{b}") == HashSlot.of("a"), "only the first tag counts")
        #expect(HashSlot.of("{ab") == HashSlot.of(Array("{ab".utf8)), "an unclosed brace is no tag")
        #expect(HashSlot.of("pfx.{ds}.meta") == HashSlot.of("ds"), "an ensemble prefix keeps a dataset's slot")
    }

    @Test func nodePrefixesAreSmartRedisOnes() throws {
        let expected: [Int: [UInt8]] = [0: [0x00, 0x00], 9: [0x01, 0x26, 0x5C], 4096: [0x11, 0x02], 5461: [0x38, 0x4D],
                                        8192: [0x22, 0x04], 10923: [0xED, 0xEB], 12288: [0x33, 0x06], 16383: [0x48, 0xD7]]
        for (slot, prefix) in expected {
            #expect(NodePrefix.forSlot(slot) == prefix, "slot \(slot)")
        }
        for slot in 0..<HashSlot.count {
            let prefix = try #require(NodePrefix.forSlot(slot))
            #expect(!prefix.contains(UInt8(ascii: "{")) && !prefix.contains(UInt8(ascii: "}")))
            if Int(HashSlot.crc16(prefix)) != slot { Issue.record("CRC16 of the prefix of \(slot) is \(HashSlot.crc16(prefix))") }
            if HashSlot.of(NodePrefix.key(Array("model".utf8), prefix: prefix)) != slot { Issue.record("{P}.model of \(slot) moves") }
        }
        #expect(NodePrefix.strip(Array("{8M}.cm".utf8)) == Array("cm".utf8))
        #expect(NodePrefix.strip(Array("{8M}.".utf8)) == Array("{8M}.".utf8))
        #expect(NodePrefix.strip(Array("cm".utf8)) == Array("cm".utf8))
    }

    @Test func slotsAreSplitAsRedisCliSplitsThem() {
        #expect(ClusterSlots.evenRanges(masters: 3) == [0...5460, 5461...10922, 10923...16383])
        for masters in 3...10 {
            let ranges = ClusterSlots.evenRanges(masters: masters)
            #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == 16383)
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound + 1 == $1.lowerBound })
        }
    }

    @Test func clusterSlotsRepliesAreParsedAndSearched() throws {
        func node(_ port: Int64, _ id: String) -> RESPValue {
            .array([.bulkString(Array("127.0.0.1".utf8)), .integer(port), .bulkString(Array(id.utf8)), .array([])])
        }
        let reply = RESPValue.array([
            .array([.integer(10923), .integer(16383), node(7002, "c"), node(7005, "f")]),
            .array([.integer(0), .integer(8), node(7002, "c")]),
            .array([.integer(9), .integer(10922), node(7000, "a")]),
        ])
        let map = try SlotMap(reply: reply, seedHost: "127.0.0.1")
        #expect(map.shards.map(\.slots) == [0...8, 9...10922, 10923...16383])
        #expect(map.shards[1].prefix == [0x01, 0x26, 0x5C])
        #expect(map.shard(forSlot: 8)?.address == .tcp(host: "127.0.0.1", port: 7002))
        #expect(map.shard(forSlot: 9)?.nodeID == "a")
        #expect(map.shard(forKey: Array("a".utf8))?.address == .tcp(host: "127.0.0.1", port: 7002))
        #expect(map.masters == [.tcp(host: "127.0.0.1", port: 7002), .tcp(host: "127.0.0.1", port: 7000)])
        #expect(map.nodes.last == .tcp(host: "127.0.0.1", port: 7005))
        #expect(throws: ClientError.self) { try SlotMap(reply: .array([]), seedHost: "h") }
        #expect(throws: ClientError.self) { try SlotMap(reply: .array([.array([.integer(5), .integer(2), node(1, "x")])]), seedHost: "h") }
    }

    @Test func redirectionsNameTheirTarget() {
        #expect(ClusterRouter.redirectTarget("MOVED 3300 127.0.0.1:7001", seedHost: "h") == .tcp(host: "127.0.0.1", port: 7001))
        #expect(ClusterRouter.redirectTarget("ASK 3300 :7001", seedHost: "h") == .tcp(host: "h", port: 7001))
        #expect(ClusterRouter.redirectTarget("MOVED 3300", seedHost: "h") == nil)
    }
}
