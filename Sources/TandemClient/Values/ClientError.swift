import RESP

/// Why a ``Client`` call failed: a small set of kinds, each with a message that says what
/// to do, and the server's reply kept verbatim when the server refused the command.
///
/// ```swift
/// do {
///     let t = try client.getTensor("u_steady")
/// } catch let error where error.code == .keyNotFound {
///     print(error.message)   // says which key was looked up and why it may be missing
/// }
/// ```
public struct ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: Sendable, Hashable {
        /// The database could not be reached within the connection budget (`SR_CONN_TIMEOUT`).
        case connection
        /// A command could not be completed within the command budget (`SR_CMD_TIMEOUT`), or
        /// a model run timed out in the server's queue.
        case timeout
        /// The tensor, dataset, model, list or field does not exist.
        case keyNotFound
        /// The value exists but has another type or shape than the one asked for.
        case typeMismatch
        /// The server refused the command; ``ClientError/serverReply`` holds its words.
        case server
        /// An argument or a configuration value is invalid; nothing was sent.
        case invalidArgument
        /// The server's reply does not have the shape the command returns.
        case protocolViolation
    }

    /// The kind of failure.
    public var code: Code
    /// What happened and what to do about it.
    public var message: String
    /// The server's error reply, verbatim (without the leading `-`), when there was one.
    public var serverReply: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, serverReply: String? = nil) {
        self.code = code
        self.message = message
        self.serverReply = serverReply
    }

    public var description: String { message }

    /// An error reply from the server, classified by its words.
    ///
    /// `WRONGTYPE …` is a ``Code/typeMismatch``; RedisAI's "key is empty" and Redis's
    /// "no such key" are ``Code/keyNotFound``; anything else is ``Code/server``.
    /// - Parameters:
    ///   - reply: the error text as the server sent it.
    ///   - command: the command name, for the message.
    ///   - key: the key the command addressed, if one.
    static func fromServer(_ reply: String, command: String, key: String? = nil) -> ClientError {
        let target = key.map { " \"\($0)\"" } ?? ""
        if reply.hasPrefix("WRONGTYPE") {
            return ClientError(.typeMismatch,
                               "\(command)\(target): the key holds another kind of value than this command reads or writes (server: \(reply)). Use another name or delete the key first.",
                               serverReply: reply)
        }
        if reply.contains("key is empty") || reply.hasSuffix("no such key") {
            return ClientError(.keyNotFound,
                               "\(command)\(target): the key does not exist (server: \(reply)). Check the name, the data source (SSKEYIN, setDataSource) and the ensemble-prefix switches.",
                               serverReply: reply)
        }
        return ClientError(.server, "Redis error when executing \(command)\(target): \(reply)", serverReply: reply)
    }

    /// A reply of the wrong shape.
    static func unexpectedReply(_ reply: RESPValue, command: String) -> ClientError {
        if case .error(let text) = reply { return fromServer(text, command: command) }
        return ClientError(.protocolViolation, "\(command): unexpected reply \(reply.summary) from the server")
    }

    static func invalidArgument(_ message: String) -> ClientError { ClientError(.invalidArgument, message) }
}

extension RESPValue {
    /// A short human-readable rendering for error messages (long bulk strings elided).
    var summary: String {
        switch self {
        case .simpleString(let s): "+\(s)"
        case .error(let s): "-\(s)"
        case .integer(let n): ":\(n)"
        case .null: "nil"
        case .bulkString(let bytes):
            bytes.count <= 40 ? "\"\(String(decoding: bytes, as: UTF8.self))\"" : "<\(bytes.count) bytes>"
        case .array(let elements): "[" + elements.prefix(6).map(\.summary).joined(separator: ", ") + (elements.count > 6 ? ", …]" : "]")
        }
    }
}
