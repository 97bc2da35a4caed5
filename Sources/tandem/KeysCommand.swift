import ArgumentParser
import Foundation
import RESP
import TandemExperiment

/// `tandem keys`: the keys of a database, with their Redis types; every shard's for a cluster.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "List keys (tensors are AI_TENSOR, models AI__MODEL, datasets hashes), on every shard of a cluster.")

    @OptionGroup var target: AddressOptions

    @Option(help: "Only keys matching this glob pattern.")
    var pattern = "*"

    func run() throws {
        let connection = try target.connection()
        let masters = try reportingErrors { try connection.clusterNodes() }?.filter(\.isMaster).map(\.address)
        var rows: [(key: String, type: String, shard: String)] = []
        for address in masters ?? [target.resolved] {
            let shard = address == target.resolved ? connection : try target.connection(to: address)
            try reportingErrors {
                for key in try shard.keys(matching: pattern) {
                    rows.append((Self.printable(key), try shard.send(bytes: [Array("TYPE".utf8), key]).string ?? "?", address))
                }
            }
        }
        rows.sort { $0.key < $1.key }
        let width = rows.map(\.key.count).max() ?? 0
        let typeWidth = rows.map(\.type.count).max() ?? 0
        for row in rows {
            var line = row.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + row.type
            if masters != nil { line = line.padding(toLength: width + 2 + typeWidth, withPad: " ", startingAt: 0) + "  " + row.shard }
            print(line)
        }
    }

    /// A key as text: UTF-8 as is, any other byte as `\xHH` (as redis-cli shows it).
    static func printable(_ key: [UInt8]) -> String {
        if let text = String(validating: key, as: UTF8.self), !text.contains(where: { $0.isNewline }) { return text }
        return key.map { (0x20..<0x7F).contains($0) && $0 != UInt8(ascii: "\\") ? String(UnicodeScalar($0)) : String(format: "\\x%02x", $0) }.joined()
    }
}
