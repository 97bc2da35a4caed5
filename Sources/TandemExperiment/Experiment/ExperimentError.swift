/// Why an experiment could not do what was asked: a user-facing error with a code to match
/// on and a message that says what went wrong and how to fix it.
///
/// Launch problems are found before anything starts: ``Experiment/start(_:block:)`` checks every
/// entity (executables, the database's port, `redis-server`, the module file) first, so a
/// refused start leaves no process behind.
public struct ExperimentError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of failure this is; new codes can be added without breaking `switch`-free clients.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The database's TCP port is already taken on its interface.
        public static let portInUse = Code("portInUse")
        /// No `redis-server` executable was found.
        public static let redisServerNotFound = Code("redisServerNotFound")
        /// The TandemAI module file is missing or unreadable.
        public static let moduleNotFound = Code("moduleNotFound")
        /// The network interface is unknown or has no IPv4 address.
        public static let unknownInterface = Code("unknownInterface")
        /// An entity's executable does not exist or cannot be run.
        public static let executableNotFound = Code("executableNotFound")
        /// The operating system refused to start a process.
        public static let launchFailed = Code("launchFailed")
        /// The database started but did not become ready (exited, or no answer in time).
        public static let databaseNotReady = Code("databaseNotReady")
        /// A declaration is inconsistent (duplicate names, bad parameter space, …).
        public static let invalidDeclaration = Code("invalidDeclaration")
        /// Creating directories or files for an entity failed.
        public static let generationFailed = Code("generationFailed")
        /// The entity was never started by this experiment.
        public static let unknownEntity = Code("unknownEntity")
        /// Waiting for entities took longer than allowed.
        public static let timeout = Code("timeout")
        /// Talking to a running database failed.
        public static let databaseUnreachable = Code("databaseUnreachable")
    }

    /// The kind of failure.
    public let code: Code
    /// What went wrong and, where it helps, how to remedy it.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
