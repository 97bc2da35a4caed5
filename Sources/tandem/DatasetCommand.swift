import ArgumentParser
import Foundation
import TandemClient

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
