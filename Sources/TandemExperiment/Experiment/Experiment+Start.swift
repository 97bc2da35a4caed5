import Foundation
import Glibc
import RESP
import Synchronization
import TandemRedis

extension Experiment {
    /// Starts entities: databases first (each waited for until ready), then every model and
    /// ensemble member, with `SSDB`, `SSKEYIN` and `SSKEYOUT` set as SmartSim sets them.
    ///
    /// Everything is checked before anything starts — executables found, each database's port
    /// free, `redis-server` and the module file present — so a refused start leaves no process.
    /// If a launch fails midway, what this call already started is stopped again.
    ///
    /// Each job writes `<name>.out` and `<name>.err` in its directory. Starting a job that
    /// finished earlier starts a new run of it (its run id goes up by one).
    ///
    /// - Parameters:
    ///   - entities: what to start.
    ///   - block: wait until every started model has finished (databases keep running).
    /// - Throws: ``ExperimentError``; see its codes.
    public func start(_ entities: any Entity..., block: Bool = true) throws(ExperimentError) {
        try start(entities, block: block)
    }

    /// Starts entities given as an array; see ``start(_:block:)-(any Entity...,_)``.
    public func start(_ entities: [any Entity], block: Bool = true) throws(ExperimentError) {
        var databases: [Orchestrator] = []
        var models: [Model] = []
        // Entities with batch settings: the batch's name, directory and settings, and its models' indices.
        var batches: [(name: String, directory: URL, settings: BatchSettings, members: Range<Int>)] = []
        for entity in entities {
            switch entity.kind {
            case .orchestrator(let orchestrator): databases.append(orchestrator)
            case .model(let model):
                if let settings = model.batchSettings {
                    batches.append((model.name, model.directory, settings, models.count..<models.count + 1))
                }
                models.append(model)
            case .ensemble(let ensemble):
                if let settings = ensemble.batchSettings {
                    batches.append((ensemble.name, ensemble.directory, settings,
                                    models.count..<models.count + ensemble.members.count))
                }
                models += ensemble.members
            }
        }
        let names = databases.flatMap { $0.nodes.map(\.name) } + models.map(\.name)
        if let duplicate = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw ExperimentError(.invalidDeclaration, "\(duplicate) is given twice")
        }
        refresh()
        let running = state.withLock { state in names.filter { state.latest($0)?.lifecycle.status.isTerminal == false
                                                                && state.latest($0)?.lifecycle.status != .new } }
        guard running.isEmpty else {
            throw ExperimentError(.invalidDeclaration, "already running: \(running.joined(separator: ", "))")
        }

        // Check everything before starting anything.
        let plans = try databases.map { database throws(ExperimentError) in try database.preflight(environment: environment) }
        let executables = try models.map { model throws(ExperimentError) in try resolveExecutables(of: model) }
        for model in models { try model.runSettings.resources.validate(for: model.name) }
        let colocated = try models.map { model throws(ExperimentError) in
            try model.colocatedDatabase.map { database throws(ExperimentError) in
                try ColocatedDatabaseWrapper(model: model, database: database, environment: environment)
            }
        }
        for entity in entities { try prepare(entity) }
        for wrapper in colocated { try wrapper?.write() }

        var started: [String] = []
        do {
            for (database, plan) in zip(databases, plans) {
                started += database.nodes.map(\.name)
                try launch(database, plan: plan)
            }
            let active = state.withLock { Array($0.databases.values).sorted { $0.name < $1.name } }
            let steps = zip(models, executables).enumerated().map { index, entry in
                let step = launchStep(for: entry.0, executables: entry.1, databases: active)
                return colocated[index]?.wrap(step) ?? step
            }
            var batched = Set<Int>()
            for batch in batches {
                started += models[batch.members].map(\.name)
                batched.formUnion(batch.members)
                let launch = BatchLaunch(name: batch.name, steps: Array(steps[batch.members]), settings: batch.settings,
                                         directory: batch.directory, environment: environment)
                try self.launch(launch)
            }
            for (index, step) in steps.enumerated() where !batched.contains(index) {
                started.append(step.name)
                try launch(step, entityType: "Model")
            }
        } catch {
            stop(jobNames: started, grace: .seconds(2))
            throw error
        }
        if block {
            try waitUntilFinished(jobNames: models.map(\.name), timeout: nil)
        }
    }

    /// The step that runs `model` (and its MPMD programs), with the databases' variables.
    private func launchStep(for model: Model, executables: [String], databases: [Orchestrator]) -> LaunchStep {
        let environment = model.launchEnvironment(inheriting: self.environment, databases: databases)
        let programs = zip(model.runSettings.mpmd, executables.dropFirst()).map { settings, executable in
            LaunchStep.Program(executable: executable, arguments: settings.arguments,
                               environment: environment.merging(settings.environment) { $1 },
                               tasks: settings.resources.tasks ?? 1)
        }
        return LaunchStep(
            name: model.name, executable: executables[0], arguments: model.runSettings.arguments,
            environment: environment,
            workingDirectory: model.runSettings.workingDirectory ?? model.directory,
            outputFile: model.directory.appendingPathComponent("\(model.name).out"),
            errorFile: model.directory.appendingPathComponent("\(model.name).err"),
            resources: model.runSettings.resources, mpmd: programs)
    }

    /// Launches a batch of steps as one job and records a new run of each.
    private func launch(_ batch: BatchLaunch) throws(ExperimentError) {
        let ids = try launcher.launchBatch(batch)
        state.withLock { state in
            for (step, id) in zip(batch.steps, ids) {
                let runID = state.latest(step.name).map { $0.runID + 1 } ?? 0
                var record = JobRecord(name: step.name, entityType: "Model", jobID: id, runID: runID)
                record.lifecycle.launched(at: .now)
                state.runs.append(record)
                state.latestRun[step.name] = state.runs.count - 1
            }
        }
    }

    /// Launches one job and records its new run.
    @discardableResult
    func launch(_ step: LaunchStep, entityType: String, address: String? = nil, password: String? = nil) throws(ExperimentError) -> JobID {
        let runID = state.withLock { state in state.latest(step.name).map { $0.runID + 1 } ?? 0 }
        var record = JobRecord(name: step.name, entityType: entityType, runID: runID)
        record.jobID = try launcher.launch(step)
        if !step.outlivesDriver, let pid = record.jobID.flatMap({ Int32($0.rawValue) }) {
            registration.jobStarted(name: step.name, pid: pid, address: address,
                                    requiresPassword: address.map { _ in password != nil })
        }
        record.lifecycle.launched(at: .now)
        state.withLock { state in
            state.runs.append(record)
            state.latestRun[step.name] = state.runs.count - 1
        }
        return record.jobID!
    }

    /// Writes each node's configuration, launches its `redis-server` and waits until it is
    /// ready, then joins a cluster's nodes and waits until the cluster serves; on failure every
    /// node is killed and the error carries the end of the failing node's log.
    private func launch(_ database: Orchestrator, plan: DatabaseLaunchPlan) throws(ExperimentError) {
        let deadline = ContinuousClock.now + database.readinessTimeout
        var launched: [String] = []
        var database = database
        do throws(ExperimentError) {
            for node in database.nodes {
                launched.append(node.name)
                if let host = try launch(node, of: database, plan: plan, deadline: deadline) {
                    database.learnedHosts[node.name] = host
                }
            }
            if database.isCluster { try formCluster(database, deadline: deadline) }
        } catch {
            stop(jobNames: launched, grace: .milliseconds(500))
            throw error
        }
        state.withLock { $0.databases[database.name] = database }
    }

    /// Launches one node and waits until it answers with the module loaded. Where the
    /// launcher runs steps on other hosts, the node reports the address it bound (returned).
    private func launch(_ node: DatabaseNode, of database: Orchestrator, plan: DatabaseLaunchPlan,
                        deadline: ContinuousClock.Instant) throws(ExperimentError) -> String? {
        let configuration = database.configurationFile(of: node)
        try PrivateFiles.write(Data(database.configuration(of: node, modulePath: plan.modulePath).utf8), to: configuration)
        // A cluster's node table is rebuilt at every start, as the configuration is.
        try? FileManager.default.removeItem(at: database.directory.appendingPathComponent("\(node.name).nodes.conf"))
        let output = database.directory.appendingPathComponent("\(node.name).out")
        let step = LaunchStep(
            name: node.name, executable: plan.redisServer, arguments: [configuration.path],
            environment: environment, workingDirectory: database.directory,
            outputFile: output, errorFile: database.directory.appendingPathComponent("\(node.name).err"),
            outlivesDriver: database.outlivesDriver)
        let entry = launcher.runsStepsElsewhere ? DatabaseNodeEntry(node: node, database: database) : nil
        entry?.clear()
        let job = try launch(entry?.wrap(step) ?? step, entityType: "DBNode", address: node.address, password: database.password)
        var node = node
        do {
            if let entry { node.host = try entry.waitForHost(job: job, launcher: launcher, deadline: deadline) }
            try waitUntilReady(node, of: database, job: job, modulePath: plan.modulePath, deadline: deadline)
            return entry.map { _ in node.host }
        } catch {
            let log = [output, step.errorFile].compactMap { try? String(contentsOf: $0, encoding: .utf8) }.joined()
            let tail = log.split(separator: "\n").suffix(8).joined(separator: "\n")
            throw ExperimentError(.databaseNotReady, error.message + (tail.isEmpty ? "" : "\nredis-server log:\n" + tail))
        }
    }

    /// Joins a cluster's running nodes and waits until every node says the cluster serves.
    private func formCluster(_ database: Orchestrator, deadline: ContinuousClock.Instant) throws(ExperimentError) {
        let members = database.nodes.map {
            ClusterFormation.Member(host: $0.host, port: $0.port, busPort: $0.busPort, masterIndex: $0.masterIndex)
        }
        do throws(RedisServerError) {
            try ClusterFormation.join(members, password: database.password, deadline: deadline)
        } catch {
            throw ExperimentError(.databaseNotReady, "cannot form the cluster of database \(database.name): \(error)")
        }
        var pause: useconds_t = 1_000
        while let problem = ClusterFormation.readinessProblem(of: members, password: database.password, expectsModule: true) {
            guard ContinuousClock.now < deadline else {
                throw ExperimentError(.databaseNotReady,
                    "the cluster of database \(database.name) did not become ready within \(database.readinessTimeout): \(problem)")
            }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
    }

    /// Probes until ``ReadinessCheck`` says ready or failed.
    private func waitUntilReady(_ node: DatabaseNode, of database: Orchestrator, job: JobID, modulePath: String,
                                deadline: ContinuousClock.Instant) throws(ExperimentError) {
        let clock = ContinuousClock()
        var check = ReadinessCheck(address: node.address, modulePath: modulePath,
                                   directory: Self.realPath(database.directory.path), deadline: deadline)
        var pause: useconds_t = 1_000
        while true {
            if case .ended(let termination, _) = launcher.state(of: job) {
                if case .failed(let reason) = check.processExited(termination) {
                    throw ExperimentError(.databaseNotReady, reason)
                }
            }
            switch check.probed(Self.probe(node, password: database.password), at: clock.now) {
            case .ready: return
            case .failed(let reason): throw ExperimentError(.databaseNotReady, reason)
            case .retry:
                usleep(pause)
                pause = min(pause * 2, 4_000)
            }
        }
    }

    /// One readiness probe: connect, AUTH when the database has a password, PING, MODULE LIST,
    /// CONFIG GET dir.
    static func probe(_ node: DatabaseNode, password: String?) -> ReadinessCheck.Probe {
        do {
            let connection = try DatabaseConnection(host: node.host, port: node.port, timeoutMilliseconds: 1000)
            if let password {
                if case .error(let message) = try connection.send("AUTH", password) {
                    return message.hasPrefix("LOADING") ? .loading : .unreachable("AUTH: \(message)")
                }
            }
            let pong = try connection.send("PING")
            if case .error(let message) = pong {
                return message.hasPrefix("LOADING") ? .loading : .unreachable(message)
            }
            let modules = try connection.modules().map { ReadinessCheck.ModuleEntry(name: $0.name, path: $0.path) }
            let directory = try connection.send("CONFIG", "GET", "dir").array?.last?.string ?? ""
            return .answered(modules: modules, directory: directory)
        } catch {
            return .unreachable(error.message)
        }
    }

    /// The programs a model runs (its own, then its MPMD programs'), as absolute paths.
    private func resolveExecutables(of model: Model) throws(ExperimentError) -> [String] {
        try ([model.runSettings] + model.runSettings.mpmd).map { settings throws(ExperimentError) in
            try resolveExecutable(settings, of: model)
        }
    }

    /// The program of `settings`, as an absolute path.
    private func resolveExecutable(_ settings: RunSettings, of model: Model) throws(ExperimentError) -> String {
        let path = settings.environment["PATH"] ?? environment["PATH"]
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        guard let found = ExecutableLookup.find(settings.executable, path: path, relativeTo: cwd) else {
            throw ExperimentError(.executableNotFound,
                "cannot start \(model.name): executable \"\(settings.executable)\" not found"
                + (settings.executable.contains("/") ? " or not executable" : " in PATH"))
        }
        return found
    }

    static func realPath(_ path: String) -> String {
        guard let resolved = Glibc.realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

extension Experiment.State {
    /// The latest run of job `name`.
    func latest(_ name: String) -> JobRecord? {
        latestRun[name].map { runs[$0] }
    }
}
