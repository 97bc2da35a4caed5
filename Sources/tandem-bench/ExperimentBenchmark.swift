import ArgumentParser
import Foundation
import Glibc
import RESP
import TandemExperiment
import TandemRedis

/// `tandem-bench experiment`: what launching costs.
///
/// - `orchestrator_ready`: from `Experiment.start(database)` to its return, i.e. until the
///   database answers PING, lists TandemAI in `MODULE LIST` and reports its own directory
///   (target ≤ 300 ms). Peer: a bare `redis-server --loadmodule` (no config file, no checks) until
///   PING answers, i.e. the floor for the same work; `no_module_ms` is redis-server alone.
/// - `members_running`: from `start(ensemble, block: false)` to its return with every member
///   launched and `running` (members are `sleep`; `SSDB`/`SSKEYOUT` are set as usual).
/// - `members_started`: the same, until every member process has actually executed (each
///   member's first act is to create a file; the clock stops when all files exist).
/// - `stop_members`: stopping those members (SIGTERM to each process group, until all are reaped).
///
/// Each record names its `launcher`. With `--slurm` every case is measured a second time
/// through the Slurm launcher (steps in an allocation the benchmark obtains; members and the
/// database are srun steps, stopped with scancel), on a running Slurm such as
/// `scripts/slurm-local.sh start`'s.
struct ExperimentBenchmark: BenchmarkArea {
    static let configuration = CommandConfiguration(
        commandName: "experiment", abstract: "Launch costs: a ready orchestrator, running ensemble members.")

    @OptionGroup var options: BenchmarkOptions

    @Option(help: "libTandemAI.so (default: $TANDEM_MODULE_PATH).")
    var module: String?

    @Option(help: "The redis-server executable ($REDIS_SERVER if set).")
    var redisServer = BenchServer.defaultExecutable

    @Option(help: "Ensemble members.")
    var members = 8

    @Flag(help: "Measure through the Slurm launcher too (needs a running Slurm: scripts/slurm-local.sh start).")
    var slurm = false

    func run() throws {
        guard let module = module ?? ProcessInfo.processInfo.environment["TANDEM_MODULE_PATH"] else {
            throw ValidationError("give --module or set TANDEM_MODULE_PATH to libTandemAI.so (make module builds it)")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-bench-experiment-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        try measure(LocalLauncher(), module: module, root: root.appendingPathComponent("local"))
        if slurm {
            let launcher = try SlurmLauncher(allocation: .obtain(.init(timeLimit: .seconds(1800))))
            defer { launcher.release() }
            try measure(launcher, module: module, root: root.appendingPathComponent("slurm"))
        }
    }

    private func measure(_ launcher: any Launcher, module: String, root: URL) throws {
        let experiment = try Experiment(name: "bench", directory: root, launcher: launcher)
        let repeats = options.quick ? 3 : max(5, options.measuredRepeats)

        // A ready orchestrator, against a bare redis-server answering PING.
        var ready: [Double] = [], bare: [Double] = [], alone: [Double] = []
        var database = try experiment.createDatabase(port: try Ports.free())
        database.modulePath = module
        database.redisServer = redisServer
        for round in 0..<(repeats + 1) {
            database.port = try Ports.free()
            let ms = try Self.milliseconds { try experiment.start(database) }
            experiment.stop(database)
            let peer = try Self.bareRedisUntilPing(redisServer, module: module, directory: root)
            let noModule = try Self.bareRedisUntilPing(redisServer, module: nil, directory: root)
            if round > 0 { ready.append(ms); bare.append(peer); alone.append(noModule) }  // round 0 warms the caches
        }
        BenchmarkRecord(bench: "experiment", case: "orchestrator_ready", [
            "launcher": launcher.name, "threads_per_queue": 1, "repeats": repeats, "median_ms": median(ready), "target_ms": 300,
            "peer": "bare redis-server --loadmodule until PING", "peer_median_ms": median(bare),
            "ratio": median(bare) / median(ready), "no_module_ms": median(alone),
        ]).emit()

        // Running ensemble members (with a database running, so they get SSDB as in real use).
        database.port = try Ports.free()
        try experiment.start(database)
        defer { experiment.stop(database) }
        var running: [Double] = [], started: [Double] = [], stopping: [Double] = []
        for round in 0..<(repeats + 1) {
            let marks = root.appendingPathComponent("marks-\(round)", isDirectory: true)
            try FileManager.default.createDirectory(at: marks, withIntermediateDirectories: true)
            let script = "touch \"\(marks.path)/$SSKEYOUT\"; exec sleep 600"
            let ensemble = experiment.createEnsemble("members", runSettings: RunSettings(executable: "/bin/sh", arguments: ["-c", script]),
                                                     replicas: members)
            let clock = ContinuousClock()
            let t0 = clock.now
            try experiment.start(ensemble, block: false)
            let launched = clock.now
            guard experiment.status(of: ensemble).values.allSatisfy({ $0 == .running }) else {
                throw ValidationError("not every member is running: \(experiment.status(of: ensemble))")
            }
            while (try? FileManager.default.contentsOfDirectory(atPath: marks.path).count) ?? 0 < members {
                guard clock.now - t0 < .seconds(30) else { throw ValidationError("members did not start within 30 s") }
                usleep(200)
            }
            let executed = clock.now
            let stopMs = Self.milliseconds { experiment.stop(ensemble, grace: .seconds(5)) }
            guard experiment.status(of: ensemble).values.allSatisfy({ $0 == .cancelled }) else {
                throw ValidationError("not every member stopped: \(experiment.status(of: ensemble))")
            }
            if round > 0 {
                running.append(Self.milliseconds(launched - t0))
                started.append(Self.milliseconds(executed - t0))
                stopping.append(stopMs)
            }
        }
        for (name, times) in [("members_running", running), ("members_started", started), ("stop_members", stopping)] {
            BenchmarkRecord(bench: "experiment", case: name, [
                "launcher": launcher.name, "members": members, "repeats": repeats, "median_ms": median(times),
                "per_s": Double(members) * 1000 / median(times),
            ]).emit()
        }
    }

    private static func milliseconds(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        return milliseconds(clock.now - start)
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    /// Starts `redis-server` with only a port (and the module, if given), times until PING
    /// answers, then stops it.
    ///
    /// - Returns: milliseconds from launch to the first PONG.
    private static func bareRedisUntilPing(_ executable: String, module: String?, directory: URL) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let server = try RedisServerProcess.start(executable: executable, directory: directory.path,
                                                  module: module.map { ($0, ["THREADS_PER_QUEUE", "1"]) })
        let elapsed = milliseconds(clock.now - start)
        server.stop()
        return elapsed
    }
}
