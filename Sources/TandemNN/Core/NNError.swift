/// Why TandemNN refused an input or a file: a code to match on and a message for people.
public struct NNError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable {
        /// A tensor's type or shape does not fit the model.
        case invalidInput
        /// A checkpoint file could not be opened, read or written.
        case fileAccess
        /// A checkpoint file is not a TandemNN checkpoint, or is damaged or truncated.
        case corruptCheckpoint
        /// A checkpoint is of another format version.
        case unsupportedVersion
        /// A checkpoint holds another model (architecture, parameter names or shapes).
        case mismatchedCheckpoint
    }

    /// The kind of failure.
    public let code: Code
    /// What went wrong, in words.
    public let message: String

    /// Creates an error of `code` with a message for people.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
