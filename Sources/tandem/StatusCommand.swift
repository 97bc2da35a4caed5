import ArgumentParser
import Foundation
import TandemExperiment

/// `tandem status`: is a database up, and with TandemAI?
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Check a database: exit code 0 when it answers with TandemAI loaded.")

    @OptionGroup var target: AddressOptions

    func run() throws {
        let address = target.resolved
        StaleRuns.report(address: address)
        let connection = try target.connection()
        let status = try reportingErrors { try connection.status() }
        print("""
            address:   \(address)
            redis:     \(status.redisVersion) (pid \(status.processID), up \(status.uptimeSeconds) s)
            keys:      \(status.keyCount)
            memory:    \(status.usedMemory)
            """)
        for module in status.modules {
            print("module:    \(module.name) v\(module.version) \(module.path) \(module.arguments.joined(separator: " "))")
        }
        guard status.hasTandemAI else {
            FileHandle.standardError.write(Data("tandem: the TandemAI module (ai) is not loaded at \(address)\n".utf8))
            throw ExitCode.failure
        }
    }
}
