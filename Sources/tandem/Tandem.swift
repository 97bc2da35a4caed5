import ArgumentParser
import Foundation
import TandemClient
import TandemExperiment

/// `tandem`: a small admin CLI for Tandem's database — start, stop and check an orchestrator.
@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Administer a Tandem database (redis-server with the TandemAI module) and look at its data.",
        subcommands: [StartCommand.self, StopCommand.self, StatusCommand.self,
                      KeysCommand.self, TensorCommand.self, DatasetCommand.self, RunModelCommand.self])
}

/// Where the database is: `--address`, else `SSDB` (its first address), else 127.0.0.1:6780.
struct AddressOptions: ParsableArguments {
    @Option(help: "The database as host:port (default: $SSDB, else 127.0.0.1:6780).")
    var address: String?

    var resolved: String {
        if let address { return address }
        if let ssdb = ProcessInfo.processInfo.environment["SSDB"], let first = ssdb.split(separator: ",").first {
            return String(first)
        }
        return "127.0.0.1:6780"
    }

    func validate() throws {
        guard address == nil || address!.contains(":") else {
            throw ValidationError("--address must be host:port, got \(address!)")
        }
    }
}

/// Runs `body`, turning library errors into a message on standard error and exit code 1:
/// the one place where `tandem` maps errors to exit codes.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ExperimentError {
        FileHandle.standardError.write(Data("tandem: \(error.message)\n".utf8))
        throw ExitCode.failure
    } catch let error as ClientError {
        FileHandle.standardError.write(Data("tandem: \(error.message)\n".utf8))
        throw ExitCode.failure
    }
}
