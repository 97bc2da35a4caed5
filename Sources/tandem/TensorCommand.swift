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

    func run() throws {
        try reportingErrors {
            let tensor = try database.client().getTensor(name)
            print(name)
            for line in TensorDescription(tensor).lines(first: values, indent: "  ") { print(line) }
        }
    }
}
