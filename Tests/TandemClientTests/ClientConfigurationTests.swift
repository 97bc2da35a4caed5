import Testing
import TandemClient

/// Reading SmartRedis's environment variables (see “Connecting” and “Key prefixing” in
/// Documentation/SmartRedisWire.md).
@Suite struct ClientConfigurationTests {
    @Test func defaultsAreSmartRedis() throws {
        let c = try ClientConfiguration(environment: ["SSDB": "127.0.0.1:6379"])
        #expect(c.addresses == [.tcp(host: "127.0.0.1", port: 6379)])
        #expect(c.kind == .clustered, "SR_DB_TYPE defaults to Clustered")
        #expect(c.connectionRetry == RetryPolicy(timeoutMilliseconds: 100_000, intervalMilliseconds: 1000))
        #expect(c.connectionRetry.attempts == 101)
        #expect(c.commandRetry.attempts == 101)
        #expect(c.socketTimeoutMilliseconds == 250)
        #expect(c.modelTimeoutMilliseconds == 60_000_000)
        #expect(c.threadCount == 4)
        #expect(c.keyPrefixes == KeyPrefixConfiguration())
    }

    @Test func readsEveryVariable() throws {
        let c = try ClientConfiguration(environment: [
            "SSDB": "unix:///tmp/x.sock", "SR_DB_TYPE": "Standalone", "SR_CONN_TIMEOUT": "1", "SR_CONN_INTERVAL": "300",
            "SR_CMD_TIMEOUT": "3", "SR_CMD_INTERVAL": "250", "SR_SOCKET_TIMEOUT": "900", "SR_THREAD_COUNT": "2",
            "SR_MODEL_TIMEOUT": "5000", "SSKEYOUT": "sim_0", "SSKEYIN": "in1,,in2,",
        ])
        #expect(c.addresses == [.unix(path: "/tmp/x.sock")])
        #expect(c.kind == .standalone)
        #expect(c.connectionRetry.attempts == 4, "1 s / 300 ms + 1")
        #expect(c.commandRetry.attempts == 13)
        #expect(c.socketTimeoutMilliseconds == 900)
        #expect(c.threadCount == 2)
        #expect(c.modelTimeoutMilliseconds == 5000)
        #expect(c.keyPrefixes.output == "sim_0")
        #expect(c.keyPrefixes.inputs == ["in1", "in2"], "empty SSKEYIN pieces are skipped")
    }

    @Test func anyOtherDatabaseTypeIsStandalone() throws {
        for value in ["standalone", "Colocated", "x"] {
            #expect(try ClientConfiguration(environment: ["SSDB": "a:1", "SR_DB_TYPE": value]).kind == .standalone)
        }
        #expect(try ClientConfiguration(environment: ["SSDB": "a:1", "SR_DB_TYPE": "CLUSTERED"]).kind == .clustered)
    }

    @Test func theSuffixAppliesToAllButTheModelTimeout() throws {
        let c = try ClientConfiguration(environment: [
            "SSDB": "a:1", "SSDB_db2": "b:2", "SR_CMD_TIMEOUT_db2": "7", "SR_CMD_TIMEOUT": "9",
            "SSKEYOUT_db2": "p", "SR_MODEL_TIMEOUT": "11", "SR_MODEL_TIMEOUT_db2": "12",
        ], suffix: "db2")
        #expect(c.addresses == [.tcp(host: "b", port: 2)])
        #expect(c.commandRetry.timeoutMilliseconds == 7000)
        #expect(c.keyPrefixes.output == "p")
        #expect(c.modelTimeoutMilliseconds == 11)
    }

    @Test func emptyValuesMeanDefaults() throws {
        let c = try ClientConfiguration(environment: ["SSDB": "a:1", "SR_CMD_TIMEOUT": "", "SSKEYOUT": ""])
        #expect(c.commandRetry.timeoutMilliseconds == 100_000)
        #expect(c.keyPrefixes.output == "")
    }

    @Test func malformedValuesNameTheVariable() {
        let cases: [([String: String], String)] = [
            ([:], "SSDB"),
            (["SSDB": "a:1", "SR_CMD_TIMEOUT": "abc"], "SR_CMD_TIMEOUT"),
            (["SSDB": "a:1", "SR_CMD_TIMEOUT": "0"], "SR_CMD_TIMEOUT"),
            (["SSDB": "a:1", "SR_CONN_TIMEOUT": "2147484"], "SR_CONN_TIMEOUT"),
            (["SSDB": "a:1", "SR_CONN_INTERVAL": "-5"], "SR_CONN_INTERVAL"),
            (["SSDB": "a:1", "SR_SOCKET_TIMEOUT": "99999999999"], "SR_SOCKET_TIMEOUT"),
            (["SSDB": "a:1", "SR_THREAD_COUNT": "1.5"], "SR_THREAD_COUNT"),
        ]
        for (environment, variable) in cases {
            do {
                _ = try ClientConfiguration(environment: environment)
                Issue.record("\(environment) must be refused")
            } catch {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains(variable), "\(error.message)")
            }
        }
    }
}
