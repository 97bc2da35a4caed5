import ArgumentParser
import RESP
import Foundation
import TandemClient
import TandemExperiment

/// `tandem`: a small admin CLI for Tandem's database — start, stop and check an orchestrator.
@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Administer a Tandem database (redis-server with the TandemAI module) and look at its data.",
        subcommands: [StartCommand.self, StopCommand.self, StatusCommand.self, RunsCommand.self,
                      KeysCommand.self, TensorCommand.self, DatasetCommand.self, RunModelCommand.self])
}

/// Where the database is: `--address`, else `SSDB` (its first address), else 127.0.0.1:6780;
/// and its password: `--password-file`, else `TANDEM_DB_PASSWORD`, else none.
struct AddressOptions: ParsableArguments {
    @Option(help: "The database as host:port (default: $SSDB, else 127.0.0.1:6780).")
    var address: String?

    @Option(name: .customLong("password-file"),
            help: "A file holding the database's password (first line); default: $TANDEM_DB_PASSWORD, else none.")
    var passwordFile: String?

    /// An admin connection to the database, authenticated when a password is given; a
    /// database that wants a password not given is named as such.
    ///
    /// - Parameter address: another node of the same database (a cluster's), if not the one given.
    func connection(to address: String? = nil) throws -> DatabaseConnection {
        let password = try password(), address = address ?? resolved
        return try reportingErrors {
            let connection = try DatabaseConnection(address: address, password: password)
            let pong = password == nil ? try connection.send("PING") : .simpleString("PONG")
            if case .error(let text) = pong, text.hasPrefix("NOAUTH") {
                throw ExperimentError(.databaseUnreachable,
                    "the database at \(address) requires a password: give --password-file FILE or set TANDEM_DB_PASSWORD")
            }
            return connection
        }
    }

    /// The password to send with `AUTH`, or `nil`.
    func password() throws -> String? {
        if let passwordFile { return try PasswordFile.read(passwordFile) }
        if let value = ProcessInfo.processInfo.environment[ClientVariables.password], !value.isEmpty { return value }
        return nil
    }

    var resolved: String {
        if let address { return address }
        if let ssdb = ProcessInfo.processInfo.environment[ClientVariables.address], let first = ssdb.split(separator: ",").first {
            return String(first)
        }
        return "127.0.0.1:6780"
    }

    func validate() throws {
        let given = address != nil ? "--address" : "SSDB"
        let text = resolved
        var body = Substring(text)
        if body.hasPrefix("tcp://") { body = body.dropFirst(6) }
        guard let colon = body.lastIndex(of: ":"), colon != body.startIndex else {
            throw ValidationError("\(given) must be host:port, got \(text)")
        }
        let port = body[body.index(after: colon)...]
        guard port.allSatisfy(\.isASCII), let number = Int(port), (1...65535).contains(number) else {
            throw ValidationError("\(given) must be host:port with a port from 1 to 65535, got \(text)")
        }
    }
}

/// Reading a password from a file: its first line, without the line break.
enum PasswordFile {
    static func read(_ path: String) throws -> String {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read the password file \(path): \(FileProblem.reason(error))")
        }
        let password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        guard !password.isEmpty else { throw ValidationError("the password file \(path) is empty") }
        return password
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
