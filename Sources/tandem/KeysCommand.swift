import ArgumentParser
import Foundation
import RESP
import TandemClient

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
