import Glibc

/// An I/O failure below RESP: a socket could not be opened, connected, written or read.
/// After one, the connection that saw it is closed.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    /// What failed, with the system's reason.
    public var description: String
    /// Whether the failure was a timeout (no bytes within the socket timeout).
    public var isTimeout: Bool
    /// The system's error number, when a system call failed (else 0).
    public var code: Int32

    /// A failure described in words.
    public init(_ description: String, isTimeout: Bool = false, code: Int32 = 0) {
        self.description = description
        self.isTimeout = isTimeout
        self.code = code
    }

    /// A failed system call, described with `strerror`.
    static func system(_ what: String, _ code: Int32) -> SocketError {
        let timeout = code == EAGAIN || code == EWOULDBLOCK || code == ETIMEDOUT
        return SocketError("\(what): \(String(cString: strerror(code)))", isTimeout: timeout, code: code)
    }
}
