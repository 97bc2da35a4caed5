import Foundation

/// How to run one program: what to execute, with which arguments and environment, and where.
///
/// A value: an ensemble gives each member its own copy, and changing one never changes another.
///
/// ```swift
/// var settings = RunSettings(executable: "fd-sim", arguments: ["--steps=100", "--size=64"])
/// settings.environment["OMP_NUM_THREADS"] = "1"
/// ```
///
/// The launcher runs `executable` with `arguments`, in `workingDirectory` (the entity's own
/// directory when `nil`), with the driver's environment, then `environment` on top of it,
/// then the database variables the experiment sets (`SSDB`, `SSKEYIN`, `SSKEYOUT`).
public struct RunSettings: Sendable, Hashable {
    /// The program: a path, or a name looked up in `PATH` (the driver's, or `environment["PATH"]`).
    public var executable: String
    /// The program's arguments (without the program name).
    public var arguments: [String]
    /// Variables added to (or replacing those of) the driver's environment.
    public var environment: [String: String]
    /// Where the program runs; `nil` means the entity's directory.
    public var workingDirectory: URL?

    /// Creates run settings.
    public init(executable: String, arguments: [String] = [], environment: [String: String] = [:],
                workingDirectory: URL? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
    }
}
