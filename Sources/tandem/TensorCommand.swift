import ArgumentParser
import Foundation
import TandemClient

/// `tandem tensor`: a tensor's dtype, shape and statistics.
struct TensorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tensor", abstract: "Show a tensor's dtype, shape and statistics.")

    @OptionGroup var database: ClientOptions

    @Argument(help: "The tensor's name.")
    var name: String

    @Option(help: "Also print this many first values.")
    var values = 0

    func validate() throws {
        guard (0...1_000_000).contains(values) else { throw ValidationError("--values must be 0…1000000") }
    }

    func run() throws {
        try reportingErrors {
            let tensor = try database.client().getTensor(name)
            print(name)
            for line in TensorDescription(tensor).lines(first: values, indent: "  ") { print(line) }
        }
    }
}
