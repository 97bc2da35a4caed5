import ArgumentParser
import Foundation
import TandemExperiment

/// `tandem stop`: shut a database down.
struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Shut a database down (it saves first when persistence is on).")

    @OptionGroup var target: AddressOptions

    @Option(help: "Seconds to wait until it no longer answers.")
    var timeout = 10.0

    func validate() throws {
        guard timeout.isFinite, (0...3600).contains(timeout) else { throw ValidationError("--timeout must be 0…3600 seconds") }
    }

    func run() throws {
        let address = target.resolved
        StaleRuns.report(address: address)
        let connection = try target.connection()
        try reportingErrors {
            try connection.shutdown()
            let deadline = Date().addingTimeInterval(timeout)
            while (try? DatabaseConnection(address: address, timeoutMilliseconds: 200)) != nil {
                guard Date() < deadline else {
                    throw ExperimentError(.timeout, "\(address) still answers after \(timeout) s")
                }
                usleep(20_000)
            }
        }
        print("Database \(address) stopped.")
        StaleRuns.forgetSettled()
    }
}
