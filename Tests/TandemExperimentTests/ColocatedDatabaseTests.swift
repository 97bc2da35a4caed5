import Foundation
import Glibc
import Testing
import TandemTesting
@testable import TandemExperiment

/// Models with a colocated database, through the local launcher and through Slurm: the
/// database starts before the member, answers it over a Unix socket or loopback TCP with
/// TandemAI loaded, and ends after it.
@Suite(.serialized, .enabled(if: Peers.moduleTestsEnabled)) struct ColocatedDatabaseTests {
    enum Via { case local, slurm }

    /// The `redis-server` processes working in `directory` (a colocated database runs in its
    /// model's directory; Redis rewrites its command line, so that is how to find it).
    static func databases(in directory: URL) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let wanted = directory.resolvingSymlinksInPath().path
        return entries.compactMap(pid_t.init).filter { pid in
            guard let name = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
                  name.hasPrefix("redis-server"),
                  let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd") else { return false }
            return cwd == wanted
        }
    }

    func experiment(_ via: Via, _ name: String) throws -> (Experiment, SlurmLauncher?) {
        // A short directory: a Unix socket path holds at most 107 bytes.
        let directory = URL(fileURLWithPath: "/tmp/tc-\(UUID().uuidString.prefix(8))")
        switch via {
        case .local:
            return (try Experiment(name: name, directory: directory), nil)
        case .slurm:
            try LocalSlurm.require()
            let launcher = try LocalSlurm.launcher()
            return (try Experiment(name: name, directory: directory, launcher: launcher), launcher)
        }
    }

    func release(_ launcher: SlurmLauncher?) throws {
        guard let launcher else { return }
        let allocation = launcher.allocationID
        launcher.release()
        if let allocation {
            #expect(try TestEnvironment.waitUntil(seconds: 60) { try !LocalSlurm.queuedJobs().contains(allocation) })
        }
    }

    @Test(arguments: [Via.local, .slurm], [ColocatedDatabase.Endpoint.unixSocket, .loopback(port: 0)])
    func theMemberReachesItsOwnDatabaseWhichEndsAfterIt(via: Via, endpoint: ColocatedDatabase.Endpoint) throws {
        let module = try Peers.module()
        let cli = try Peers.redisCLI()
        let (experiment, launcher) = try experiment(via, "colocated")
        var endpoint = endpoint
        if case .loopback = endpoint { endpoint = .loopback(port: try TestEnvironment.freePort()) }
        let connect = switch endpoint {
        case .unixSocket: "-s \"${SSDB#unix://}\""
        case .loopback: "-h \"${SSDB%:*}\" -p \"${SSDB##*:}\""
        }
        let script = """
            echo "$SSDB $SR_DB_TYPE"
            \(cli) \(connect) AI.TENSORSET t FLOAT 2 VALUES 1.5 2.5 >/dev/null && \(cli) \(connect) AI.TENSORGET t VALUES
            """
        var model = experiment.createModel("member", runSettings: RunSettings(executable: "/bin/sh", arguments: ["-c", script]))
        var database = ColocatedDatabase(endpoint)
        database.modulePath = module
        model.colocatedDatabase = database
        try experiment.start(model)

        let report = try #require(experiment.reports(of: model).first)
        let output = try String(contentsOf: model.directory.appendingPathComponent("member.out"), encoding: .utf8)
        let expectedAddress = switch endpoint {
        case .unixSocket: "unix://\(model.directory.path)/member.sock"
        case .loopback(let port): "127.0.0.1:\(port)"
        }
        #expect(report.status == .completed, "\(output) \((try? String(contentsOf: model.directory.appendingPathComponent("member.err"), encoding: .utf8)) ?? "")")
        #expect(output == "\(expectedAddress) Standalone\n1.5\n2.5\n")
        // The database ran (its log says it loaded TandemAI) and is gone now.
        let log = try String(contentsOf: model.directory.appendingPathComponent("member.db.out"), encoding: .utf8)
        #expect(log.contains("Module 'ai' loaded"))
        #expect(Self.databases(in: model.directory).isEmpty)
        if case .unixSocket = endpoint {
            #expect(!FileManager.default.fileExists(atPath: "\(model.directory.path)/member.sock"))
        }
        try release(launcher)
    }

    @Test(arguments: [Via.local, .slurm])
    func theMembersExitCodeIsTheStepsAndStoppingEndsBoth(via: Via) throws {
        let module = try Peers.module()
        let (experiment, launcher) = try experiment(via, "colocated-stop")
        var database = ColocatedDatabase(.unixSocket)
        database.modulePath = module
        var failing = experiment.createModel("failing", runSettings: RunSettings(executable: "/bin/sh", arguments: ["-c", "exit 3"]))
        failing.colocatedDatabase = database
        var sleeper = experiment.createModel("sleeper", runSettings: RunSettings(executable: "/bin/sh", arguments: ["-c", "echo up; exec sleep 600"]))
        sleeper.colocatedDatabase = database
        try experiment.start(failing, sleeper, block: false)
        try experiment.waitUntilFinished(failing, timeout: .seconds(60))
        #expect(experiment.reports(of: failing).first?.returnCode == 3)

        let output = sleeper.directory.appendingPathComponent("sleeper.out")
        #expect(TestEnvironment.waitUntil(seconds: 60) { (try? String(contentsOf: output, encoding: .utf8)) == "up\n" })
        #expect(Self.databases(in: sleeper.directory).count == 1)
        experiment.stop(sleeper, grace: .seconds(30))
        #expect(experiment.status(of: sleeper) == ["sleeper": .cancelled])
        #expect(TestEnvironment.waitUntil(seconds: 30) { Self.databases(in: sleeper.directory).isEmpty })
        try release(launcher)
    }

    @Test func aDatabaseThatCannotStartFailsTheStepBeforeTheMemberRuns() throws {
        let (experiment, _) = try experiment(.local, "colocated-broken")
        var database = ColocatedDatabase(.unixSocket)
        // A file that is not a module: redis-server refuses to start.
        database.modulePath = "/etc/hostname"
        var model = experiment.createModel("m", runSettings: RunSettings(executable: "/bin/sh", arguments: ["-c", "echo ran"]))
        model.colocatedDatabase = database
        try experiment.start(model)
        #expect(experiment.status(of: model) == ["m": .failed])
        #expect(try String(contentsOf: model.directory.appendingPathComponent("m.out"), encoding: .utf8) == "")
        let error = try String(contentsOf: model.directory.appendingPathComponent("m.err"), encoding: .utf8)
        #expect(error.contains("ended before it was ready"))
    }

    @Test func twoTasksOnOneNodeAreRefusedBeforeAnythingStarts() throws {
        let (experiment, _) = try experiment(.local, "colocated-refused")
        var settings = RunSettings(executable: "true")
        settings.resources.tasks = 2
        var model = experiment.createModel("m", runSettings: settings)
        model.colocatedDatabase = ColocatedDatabase(.unixSocket)
        model.colocatedDatabase?.modulePath = "/etc/hostname"
        let error = #expect(throws: ExperimentError.self) { try experiment.start(model) }
        #expect(error?.code == .invalidDeclaration)
        #expect(experiment.status(of: model) == ["m": .new])
    }
}
