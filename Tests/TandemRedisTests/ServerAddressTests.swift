import Testing
import TandemRedis

/// `SSDB` parsing as SmartRedis does it: `host:port`, `tcp://host:port` or `unix://path`, ports
/// read as C's `strtoul` with base 0, comma-separated lists.
@Suite struct ServerAddressTests {
    @Test func parsesEveryForm() throws {
        #expect(try ServerAddress(parsing: "127.0.0.1:6379") == .tcp(host: "127.0.0.1", port: 6379))
        #expect(try ServerAddress(parsing: "tcp://10.0.0.5:6780") == .tcp(host: "10.0.0.5", port: 6780))
        #expect(try ServerAddress(parsing: "localhost:0x1A") == .tcp(host: "localhost", port: 26), "strtoul base 0: hex")
        #expect(try ServerAddress(parsing: "localhost:010") == .tcp(host: "localhost", port: 8), "strtoul base 0: octal")
        #expect(try ServerAddress(parsing: "unix:///var/run/redis/redis.sock") == .unix(path: "/var/run/redis/redis.sock"))
    }

    @Test func canonicalFormDropsTheSchemeAndPrintsTheDecimalPort() throws {
        #expect(try ServerAddress(parsing: "tcp://10.0.0.5:0x1A").description == "10.0.0.5:26")
        #expect(try ServerAddress(parsing: "unix:///tmp/r.sock").description == "unix:///tmp/r.sock")
    }

    @Test func parsesLists() throws {
        #expect(try ServerAddress.list(parsing: "10.128.0.153:6379,10.128.0.154:6379")
                == [.tcp(host: "10.128.0.153", port: 6379), .tcp(host: "10.128.0.154", port: 6379)])
        #expect(try ServerAddress.list(parsing: "a:1,") == [.tcp(host: "a", port: 1)], "a trailing comma is ignored")
    }

    @Test func refusesWhatSmartRedisRefuses() {
        for bad in ["127.0.0.1", "127.0.0.1:", ":6379", "a:1,,b:2", "a:x", "a:70000", "unix://"] {
            #expect(throws: AddressError.self, "\(bad)") { try ServerAddress.list(parsing: bad) }
        }
        do {
            _ = try ServerAddress.list(parsing: "127.0.0.1:6379;rm")
            Issue.record("a forbidden character must be refused")
        } catch {
            #expect(error.description == "The provided SSDB value, 127.0.0.1:6379;rm is invalid because of character ;")
        }
        #expect(throws: AddressError.self) { try ServerAddress.list(parsing: "") }
    }
}
