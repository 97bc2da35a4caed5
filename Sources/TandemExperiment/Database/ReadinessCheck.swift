/// Deciding when a starting database is ready, as a pure state machine.
///
/// Ready means: the server answers PING, `MODULE LIST` shows TandemAI (`ai`) loaded from the
/// expected file, and the server's directory is this database's directory — so a different
/// server that happens to answer on the port (taken between the port check and the launch)
/// is never mistaken for ours. The owner probes, reports what it saw, and retries, declares
/// the database ready, or gives up as told.
struct ReadinessCheck: Sendable {
    typealias Instant = ContinuousClock.Instant

    /// What one probe of the server found.
    enum Probe: Sendable, Equatable {
        /// Nothing answered (connection refused, closed or timed out).
        case unreachable(String)
        /// Still loading its data set (`-LOADING`).
        case loading
        /// It answered PING; `modules` are `MODULE LIST`'s names and paths, `directory` is `CONFIG GET dir`.
        case answered(modules: [ModuleEntry], directory: String)
    }

    struct ModuleEntry: Sendable, Equatable {
        var name: String
        var path: String
    }

    enum Decision: Sendable, Equatable {
        case retry
        case ready
        case failed(String)
    }

    /// The module name TandemAI registers (RedisAI's).
    static let moduleName = "ai"

    let address: String
    let modulePath: String
    let directory: String
    let deadline: Instant
    private(set) var lastProblem = "no probe yet"

    /// - Parameters:
    ///   - address: for messages.
    ///   - modulePath: the module file as given to `loadmodule`.
    ///   - directory: the database's directory with symbolic links resolved (what Redis reports).
    ///   - deadline: when to give up.
    init(address: String, modulePath: String, directory: String, deadline: Instant) {
        self.address = address
        self.modulePath = modulePath
        self.directory = directory
        self.deadline = deadline
    }

    /// The server process ended before it was ready.
    func processExited(_ termination: Termination) -> Decision {
        .failed("redis-server for \(address) ended (\(termination)) before it was ready")
    }

    /// A probe finished at `now` with `probe`.
    mutating func probed(_ probe: Probe, at now: Instant) -> Decision {
        switch probe {
        case .unreachable(let reason):
            lastProblem = reason
        case .loading:
            lastProblem = "the database is still loading its data"
        case .answered(let modules, let reportedDirectory):
            guard reportedDirectory == directory else {
                return .failed("another redis-server (directory \(reportedDirectory)) answers on \(address); "
                               + "the port was taken after the check")
            }
            guard modules.contains(where: { $0.name == Self.moduleName && $0.path == modulePath }) else {
                let listed = modules.map { "\($0.name) (\($0.path))" }.joined(separator: ", ")
                return .failed("the database at \(address) answers but the TandemAI module \(modulePath) "
                               + "is not loaded; MODULE LIST shows: \(listed.isEmpty ? "nothing" : listed)")
            }
            return .ready
        }
        if now >= deadline {
            return .failed("the database at \(address) was not ready in time (last problem: \(lastProblem))")
        }
        return .retry
    }
}
