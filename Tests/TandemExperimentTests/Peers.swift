import Foundation
import Glibc
import TandemExperiment
import Testing
import _TestSupport

/// The real programs these tests need besides `redis-server`: the TandemAI module file
/// (`TANDEM_MODULE_PATH`, set by `make test`), `redis-cli`, the SmartRedis Python peer
/// (`TANDEM_PYTHON`), and the test driver built with the tests.
///
/// A missing peer skips the test with a loud message, except under `CI`, where it fails.
enum Peers {
    /// The module file (``TestEnvironment/modulePath()``), or `nil` after reporting it missing.
    static func module() -> String? {
        do { return try TestEnvironment.modulePath() } catch {
            missing("\(error)")
            return nil
        }
    }

    /// `redis-cli`, or `nil` after reporting it missing.
    static func redisCLI() -> String? {
        for candidate in ["/usr/bin/redis-cli", "/usr/local/bin/redis-cli"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        missing("redis-cli not found (it comes with redis-server: apt-get install redis-server)")
        return nil
    }

    /// The Python interpreter with `smartredis`, or `nil` after reporting it missing.
    static func python() -> String? {
        do { return try TestEnvironment.pythonPath() } catch {
            missing("\(error)")
            return nil
        }
    }

    /// A program built next to this test binary (an executable target of the package).
    static func builtProgram(_ name: String) -> String {
        let me = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        return me.deletingLastPathComponent().appendingPathComponent(name).path
    }

    private static func missing(_ message: String) {
        if TestEnvironment.isCI {
            Issue.record("missing test peer under CI: \(message)")
        } else {
            FileHandle.standardError.write(Data("⚠️  SKIPPED (missing peer): \(message)\n".utf8))
        }
    }
}

/// Process checks by pid.
enum Processes {
    /// Whether `pid` is a live process (a zombie — dead, waiting to be reaped by whoever
    /// inherited it — counts as gone).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }

    /// Waits up to `timeout` until `pid` is gone.
    static func waitUntilGone(_ pid: pid_t, timeout: Duration = .seconds(5)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isAlive(pid) {
            if ContinuousClock.now > deadline { return false }
            usleep(5_000)
        }
        return true
    }
}

/// A fresh experiment in a temporary directory.
func makeExperiment(_ name: String = "test") throws -> (experiment: Experiment, directory: URL) {
    let directory = try TestEnvironment.makeTemporaryDirectory(prefix: "experiment")
    return (try Experiment(name: name, directory: directory), directory)
}
