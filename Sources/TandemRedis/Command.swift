/// A value that can be one argument of a Redis command: text, bytes or an integer.
public protocol CommandArgument {
    /// The argument as sent: UTF-8 for text, decimal ASCII for integers.
    var commandBytes: [UInt8] { get }
}

extension String: CommandArgument {
    public var commandBytes: [UInt8] { Array(utf8) }
}

extension Substring: CommandArgument {
    public var commandBytes: [UInt8] { Array(utf8) }
}

extension Array: CommandArgument where Element == UInt8 {
    public var commandBytes: [UInt8] { self }
}

extension Int: CommandArgument {
    public var commandBytes: [UInt8] { Array(String(self).utf8) }
}

/// One Redis command: an array of binary-safe arguments, the first naming the command.
///
/// ```swift
/// let c = Command("AI.TENSORSET", "t", "FLOAT", 2, "BLOB", blob)
/// ```
public struct Command: Sendable, Equatable {
    /// The arguments as sent. Large ones (tensor blobs) are shared with their source, not copied.
    public var arguments: [[UInt8]]

    /// A command from arguments of any supported kind.
    public init(_ arguments: any CommandArgument...) {
        self.arguments = arguments.map(\.commandBytes)
    }

    /// A command from ready byte arguments.
    public init(arguments: [[UInt8]]) {
        self.arguments = arguments
    }

    /// Appends arguments.
    public mutating func append(_ arguments: any CommandArgument...) {
        self.arguments.append(contentsOf: arguments.map(\.commandBytes))
    }

    /// The command name (first argument) as text, for messages.
    public var name: String {
        arguments.first.map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
