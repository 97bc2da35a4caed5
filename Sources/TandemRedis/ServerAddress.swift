/// Where a database server listens: a TCP `host:port` or a Unix domain socket.
///
/// Parsed exactly as SmartRedis parses `SSDB`: `host:port`, optionally written
/// `tcp://host:port`, or `unix:///path/to/socket`. The port follows C `strtoul` base-0
/// rules (`0x1A` is hex, a leading `0` is octal).
///
/// ```swift
/// let a = try ServerAddress(parsing: "tcp://127.0.0.1:6379")   // .tcp(host: "127.0.0.1", port: 6379)
/// a.description                                                 // "127.0.0.1:6379"
/// let list = try ServerAddress.list(parsing: "10.0.0.1:6379,10.0.0.2:6379")
/// ```
public enum ServerAddress: Sendable, Hashable, CustomStringConvertible {
    /// A TCP server; `host` is a name or an IPv4 address.
    case tcp(host: String, port: Int)
    /// A Unix domain socket at `path`.
    case unix(path: String)

    /// The canonical form used to compare addresses: `host:port` with a decimal port, or
    /// `unix://path`.
    public var description: String {
        switch self {
        case .tcp(let host, let port): "\(host):\(port)"
        case .unix(let path): "unix://\(path)"
        }
    }

    /// Parses one address.
    ///
    /// - Throws: ``AddressError`` when the text is not an address.
    public init(parsing text: some StringProtocol) throws(AddressError) {
        let text = String(text)
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst("unix://".count))
            guard !path.isEmpty else { throw AddressError("\(text) is not a valid database node address: the socket path is empty.") }
            self = .unix(path: path)
            return
        }
        let body = text.hasPrefix("tcp://") ? String(text.dropFirst("tcp://".count)) : text
        guard let colon = body.firstIndex(of: ":") else {
            throw AddressError("\(text) is not a valid database node address: expected host:port.")
        }
        let host = String(body[..<colon])
        let portText = String(body[body.index(after: colon)...])
        guard !host.isEmpty, !portText.isEmpty else {
            throw AddressError("\(text) is not a valid database node address: expected host:port.")
        }
        guard let port = Self.parsePort(portText), (1...65535).contains(port) else {
            throw AddressError("\(text) is not a valid database node address: the port \(portText) is not a number from 1 to 65535.")
        }
        self = .tcp(host: host, port: port)
    }

    /// Characters `SSDB` may contain; any other character is refused.
    static let allowedCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:,/_-")

    /// Parses a comma-separated list as `SSDB` holds it. A trailing comma is ignored; an
    /// empty piece elsewhere is an invalid address.
    ///
    /// - Throws: ``AddressError`` for an empty list, a forbidden
    ///   character or an invalid address.
    public static func list(parsing text: String) throws(AddressError) -> [ServerAddress] {
        guard !text.isEmpty else {
            throw AddressError("The environment variable SSDB must be set to use the client (for example SSDB=127.0.0.1:6379).")
        }
        if let bad = text.first(where: { !allowedCharacters.contains($0) }) {
            throw AddressError("The provided SSDB value, \(text) is invalid because of character \(bad)")
        }
        var pieces = text.split(separator: ",", omittingEmptySubsequences: false)
        if pieces.count > 1, pieces.last?.isEmpty == true { pieces.removeLast() }
        var addresses: [ServerAddress] = []
        for piece in pieces {
            guard !piece.isEmpty else { throw AddressError("\(text) holds an empty database node address.") }
            addresses.append(try ServerAddress(parsing: piece))
        }
        return addresses
    }

    /// `strtoul(text, nil, 0)` restricted to whole-string matches: decimal, `0x` hex, `0` octal.
    static func parsePort(_ text: String) -> Int? {
        var digits = Substring(text)
        var radix = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.count > 1, digits.hasPrefix("0") {
            radix = 8
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.count <= 12 else { return nil }
        return Int(digits, radix: radix)
    }
}

/// Text that is not a database address (or list of addresses), with the reason.
public struct AddressError: Error, Sendable, CustomStringConvertible {
    /// What is wrong with the text, in a sentence.
    public var description: String

    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
