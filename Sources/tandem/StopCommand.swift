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

    func run() throws {
        let address = target.resolved
        try reportingErrors {
            try DatabaseConnection(address: address).shutdown()
            let deadline = Date().addingTimeInterval(timeout)
            while (try? DatabaseConnection(address: address, timeoutMilliseconds: 200)) != nil {
                guard Date() < deadline else {
                    throw ExperimentError(.timeout, "\(address) still answers after \(timeout) s")
                }
                usleep(20_000)
            }
        }
        print("Database \(address) stopped.")
    }
}
