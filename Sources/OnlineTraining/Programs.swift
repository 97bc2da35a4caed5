import Foundation

/// The programs the driver launches, found next to its own executable (one build folder
/// holds them all), so no `PATH` setup is needed.
public struct Programs: Sendable, Equatable {
    /// The ensemble member.
    public var simulation: String
    /// The trainer.
    public var trainer: String

    /// The folder of the running executable (`/proc/self/exe`).
    public static var ownDirectory: URL {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent()
    }

    /// Finds `fd-sim` and `surrogate-train` in `directory`.
    ///
    /// - Throws: ``WorkflowError`` naming the missing program and how to build it.
    public static func find(in directory: URL = ownDirectory) throws(WorkflowError) -> Programs {
        func program(_ name: String) throws(WorkflowError) -> String {
            let path = directory.appendingPathComponent(name).path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw WorkflowError("\(name) was not found next to online-training (in \(directory.path)); "
                    + "build both together: swift build -c release --product \(name)")
            }
            return path
        }
        return Programs(simulation: try program("fd-sim"), trainer: try program("surrogate-train"))
    }
}

/// Why the workflow could not start or go on; the text says what to do.
public struct WorkflowError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
