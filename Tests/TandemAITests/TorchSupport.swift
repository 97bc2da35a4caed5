import Foundation
import RESP
import Testing
import TandemRedis
import TandemTesting

/// Helpers of the TORCH tests: servers that can load the backend, fixtures, tensors.
enum Torch {
    /// PyTorch's fixtures, made once per test process (the generator takes seconds).
    static func fixtures() throws -> TorchFixtures {
        try FixtureCache.shared.get()
    }

    /// A module server that loads the TORCH backend on first use from a `BACKENDSPATH`
    /// laid out as RedisAI's (`<path>/redisai_torch/redisai_torch.so`, a link to the library).
    static func lazyServer(extra: [String] = []) throws -> RedisServer {
        let library = try Peers.torchBackend()
        let folder = try TestEnvironment.makeTemporaryDirectory(prefix: "backends")
        let torch = folder.appendingPathComponent("redisai_torch")
        try FileManager.default.createDirectory(at: torch, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: torch.appendingPathComponent("redisai_torch.so").path,
                                                   withDestinationPath: library)
        return try Peers.moduleServer(["BACKENDSPATH", folder.path], extra: extra)
    }

    /// A module server that loads the TORCH backend at load time (`TORCH <path>`).
    static func server(extra: [String] = []) throws -> RedisServer {
        try Peers.moduleServer(["TORCH", try Peers.torchBackend()], extra: extra)
    }

    /// `AI.TENSORSET name <dtype> <dims…> BLOB <bytes>`.
    static func set(_ c: RedisConnection, _ name: String, _ tensor: TorchFixtures.Tensor) throws {
        let arguments: [any CommandArgument] = ["AI.TENSORSET", name, tensor.dtype] + tensor.shape + ["BLOB", tensor.bytes]
        #expect(try c.call(arguments) == .simpleString("OK"))
    }

    /// The largest difference between the stored tensor `name` and PyTorch's `expected`.
    static func difference(_ c: RedisConnection, _ name: String, _ expected: TorchFixtures.Tensor) throws -> Double {
        let reply = try c.call("AI.TENSORGET", name, "META", "BLOB")
        guard let parts = reply.array, parts.count == 6, let dtype = parts[1].string,
              let shape = parts[3].array?.compactMap({ $0.integer.map(Int.init) }), let bytes = parts[5].bytes else {
            Issue.record("unexpected TENSORGET reply for \(name): \(reply)")
            return .infinity
        }
        return TorchFixtures.maximumDifference(expected, dtype: dtype, shape: shape, bytes: bytes)
    }

    /// Whether `reply` is an error containing `text`.
    static func isError(_ reply: RESPValue, containing text: String) -> Bool {
        if case .error(let message) = reply { return message.contains(text) }
        return false
    }
}

private final class FixtureCache: @unchecked Sendable {
    static let shared = FixtureCache()
    private let lock = NSLock()
    private var fixtures: TorchFixtures?

    func get() throws -> TorchFixtures {
        lock.lock()
        defer { lock.unlock() }
        if let fixtures { return fixtures }
        let made = try TorchFixtures.make()
        fixtures = made
        return made
    }
}
