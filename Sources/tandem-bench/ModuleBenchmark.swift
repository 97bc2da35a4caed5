import ArgumentParser
import Foundation
import RESP
import TandemTensor

/// `tandem-bench module`: tensor staging through TandemAI against plain Redis strings.
///
/// One `redis-server` with the module loaded; on it, in the same run, round trips of
/// `AI.TENSORSET key FLOAT n BLOB b` + `AI.TENSORGET key META BLOB` (what SmartRedis sends)
/// and of `SET key b` + `GET key` with the same bytes. Short samples of both alternate, so
/// drift hits both equally. `ratio` is tensor round trips per second over plain ones, the
/// median over back-to-back sample pairs (target ≥ 0.9).
struct ModuleBenchmark: BenchmarkArea {
    static let configuration = CommandConfiguration(
        commandName: "module", abstract: "AI.TENSORSET+AI.TENSORGET against SET+GET of the same bytes, same server.")

    @OptionGroup var options: BenchmarkOptions

    @Option(help: "libTandemAI.so (default: $TANDEM_MODULE_PATH).")
    var module: String?

    @Option(help: "The redis-server executable.")
    var redisServer = "/usr/bin/redis-server"

    @Option(parsing: .upToNextOption, help: "Float32 element counts (default: 16 KiB and 1.6 MiB of data).")
    var elements: [Int] = [4096, 419_430]

    func run() throws {
        guard let module = module ?? ProcessInfo.processInfo.environment["TANDEM_MODULE_PATH"] else {
            throw ValidationError("give --module or set TANDEM_MODULE_PATH to libTandemAI.so (make module builds it)")
        }
        let server = try BenchServer(executable: redisServer, module: module)
        defer { server.stop() }
        let connection = try BenchConnection(port: server.port)
        var generator = SeededGenerator(seed: 7)
        for count in elements {
            let floats = (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
            let blob = floats.withUnsafeBytes { Array($0) }
            let tensorSet = [Array("AI.TENSORSET".utf8), Array("t".utf8), Array("FLOAT".utf8), Array("\(count)".utf8), Array("BLOB".utf8), blob]
            let tensorGet = ["AI.TENSORGET", "t", "META", "BLOB"].map { Array($0.utf8) }
            let set = [Array("SET".utf8), Array("s".utf8), blob]
            let get = [Array("GET".utf8), Array("s".utf8)]
            // Both paths must actually move the bytes.
            guard try connection.call(tensorSet) == .simpleString("OK"),
                  try connection.call(tensorGet).array?.last == .bulkString(blob),
                  try connection.call(set) == .simpleString("OK"),
                  try connection.call(get) == .bulkString(blob) else {
                throw ValidationError("the server did not round-trip \(blob.count) bytes")
            }
            // Many short samples (about 4 MiB each), the two kinds interleaved in alternating
            // order, so load from other processes hits both alike; medians of the samples.
            let perSample = max(2, 4 * 1_048_576 / blob.count)
            let samples = options.quick ? 12 : 20 * options.measuredRepeats
            var tensorTimes: [Double] = [], plainTimes: [Double] = []
            for sample in 0..<(2 + samples) {
                let tensorFirst = sample % 2 == 0
                var tensor = 0.0, plain = 0.0
                for first in [tensorFirst, !tensorFirst] {
                    if first {
                        tensor = try time(perSample) { _ = try connection.call(tensorSet); _ = try connection.call(tensorGet) }
                    } else {
                        plain = try time(perSample) { _ = try connection.call(set); _ = try connection.call(get) }
                    }
                }
                if sample >= 2 { tensorTimes.append(tensor); plainTimes.append(plain) }
            }
            let tensorMs = median(tensorTimes), plainMs = median(plainTimes)
            // The ratio pairs each tensor sample with the plain sample taken right next to
            // it, so load from other processes on a shared machine cancels out.
            let ratio = median(zip(plainTimes, tensorTimes).map { $0 / $1 })
            BenchmarkRecord(bench: "module", case: "tensorset+tensorget", [
                "dtype": "FLOAT", "elements": count, "bytes": blob.count, "round_trips_per_sample": perSample, "samples": samples,
                "median_ms": tensorMs, "per_s": 1000 / tensorMs, "mib_per_s": Double(2 * blob.count) / 1_048_576 * 1000 / tensorMs,
                "peer": "redis SET+GET", "peer_median_ms": plainMs, "peer_per_s": 1000 / plainMs, "ratio": ratio,
            ]).emit()
        }
    }

    /// Milliseconds per call of `body`, over `count` calls.
    private func time(_ count: Int, _ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count { try body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(count)
    }
}

/// A `redis-server` with the module, on a free loopback port, for the benchmark's duration.
private final class BenchServer {
    let port: Int
    private let process = Process()
    private let directory: URL

    init(executable: String, module: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try BenchConnection.freePort()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", directory.path, "--logfile", "redis.log", "--loadmodule", module]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<500 {
            if let connection = try? BenchConnection(port: port), (try? connection.call([Array("PING".utf8)])) == .simpleString("PONG") {
                return
            }
            guard process.isRunning else { break }
            usleep(10_000)
        }
        stop()
        throw ValidationError("redis-server with \(module) did not start; see \(directory.path)/redis.log")
    }

    func stop() {
        guard process.isRunning else { return }
        if let connection = try? BenchConnection(port: port) {
            try? connection.write(RESPEncoder.command([Array("SHUTDOWN".utf8), Array("NOSAVE".utf8)]))
        }
        for _ in 0..<200 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A blocking RESP connection: one command, one reply (the benchmark's own, so the
/// executable needs no client library).
private final class BenchConnection {
    private let fd: Int32
    private var decoder = RESPDecoder()
    private var chunk = [UInt8](repeating: 0, count: 1 << 20)
    private var output: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ValidationError("socket() failed") }
        var address = BenchConnection.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(fd)
            throw ValidationError("cannot connect to 127.0.0.1:\(port)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    /// Sends one command and waits for its reply.
    func call(_ arguments: [[UInt8]]) throws -> RESPValue {
        output.removeAll(keepingCapacity: true)
        RESPEncoder.appendCommand(arguments, to: &output)
        try write(output)
        while true {
            if let value = try decoder.next() { return value }
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard received > 0 else { throw ValidationError("connection closed by the server") }
            decoder.append(chunk[0..<received])
        }
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw ValidationError("send failed: errno \(errno)") }
            offset += sent
        }
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    /// A loopback port that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ValidationError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
