import ArgumentParser
import Foundation
import TandemClient

/// `tandem run-model`: run a stored model in the database and describe its outputs.
struct RunModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-model", abstract: "Run a stored model on tensors in the database; show its outputs.")

    @OptionGroup var database: ClientOptions

    @Argument(help: "The model's key.")
    var model: String

    @Option(parsing: .upToNextOption, help: "Input tensor names.")
    var inputs: [String]

    @Option(parsing: .upToNextOption, help: "Output tensor names (stored in the database).")
    var outputs: [String]

    func validate() throws {
        guard !inputs.isEmpty, !outputs.isEmpty else { throw ValidationError("give at least one --inputs and one --outputs name") }
    }

    func run() throws {
        try reportingErrors {
            let clock = ContinuousClock()
            let start = clock.now
            try database.client().runModel(model, inputs: inputs, outputs: outputs)
            print("ran \(model) in \(clock.now - start)")
            // Outputs are written without a prefix, so they are read without the data source.
            let reader = try database.client(withSource: false)
            for output in outputs {
                print(output)
                for line in TensorDescription(try reader.getTensor(output)).lines(indent: "  ") { print(line) }
            }
        }
    }
}
