import ArgumentParser
import Foundation
import RESP
import TandemClient
import TandemTensor

/// `tandem keys`: the keys of a database, with their Redis types.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "List keys (tensors are AI_TENSOR, models AI__MODEL, datasets hashes).")

    @OptionGroup var database: ClientOptions

    @Option(help: "Only keys matching this glob pattern.")
    var pattern = "*"

    func run() throws {
        try reportingErrors {
            let client = try database.client()
            var keys: [String] = []
            var cursor = "0"
            repeat {
                let reply = try client.send(Command("SCAN", cursor, "MATCH", pattern, "COUNT", "1000"))
                guard let parts = reply.array, parts.count == 2, let next = parts[0].string else {
                    throw ClientError(.protocolViolation, "unexpected SCAN reply")
                }
                cursor = next
                keys += parts[1].array?.compactMap(\.string) ?? []
            } while cursor != "0"
            keys.sort()
            let types = keys.isEmpty ? [] : try client.send(pipeline: keys.map { Command("TYPE", $0) })
            let width = keys.map(\.count).max() ?? 0
            for (key, type) in zip(keys, types) {
                print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + (type.string ?? "?"))
            }
        }
    }
}

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

/// `tandem dataset`: a dataset's tensors and metadata.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset", abstract: "Show a dataset: its tensors (dtype, shape, statistics) and metadata.")

    @OptionGroup var database: ClientOptions

    @Argument(help: "The dataset's name (without braces or prefix).")
    var name: String

    func run() throws {
        try reportingErrors {
            let dataset = try database.client().getDataset(name)
            print("dataset \(name): \(dataset.tensorNames.count) tensor(s), \(dataset.metadataFieldNames.count) metadata field(s)")
            for tensorName in dataset.tensorNames {
                print("  tensor \(tensorName)")
                for line in TensorDescription(try dataset.tensor(tensorName)).lines(indent: "    ") { print(line) }
            }
            for field in dataset.metadataFieldNames {
                let type = try dataset.metadataFieldType(field)
                print("  meta \(field) (\(type.name)): " + (try Self.values(of: field, type: type, in: dataset)))
            }
        }
    }

    private static func values(of field: String, type: MetadataType, in dataset: Dataset) throws(ClientError) -> String {
        let shown: [String]
        switch type {
        case .double: shown = try dataset.metaScalars(field, as: Double.self).map { "\($0)" }
        case .float: shown = try dataset.metaScalars(field, as: Float.self).map { "\($0)" }
        case .int32: shown = try dataset.metaScalars(field, as: Int32.self).map { "\($0)" }
        case .int64: shown = try dataset.metaScalars(field, as: Int64.self).map { "\($0)" }
        case .uint32: shown = try dataset.metaScalars(field, as: UInt32.self).map { "\($0)" }
        case .uint64: shown = try dataset.metaScalars(field, as: UInt64.self).map { "\($0)" }
        case .string: shown = try dataset.metaStrings(field).map { "\"\($0)\"" }
        }
        return shown.joined(separator: ", ")
    }
}

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
