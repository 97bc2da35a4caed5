import RESP

extension DatabaseConnection {
    /// Sends `AUTH password`; an admin connection to a database with a password must do this
    /// before anything else.
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/databaseUnreachable`` when the connection
    ///   fails or the database refuses the password (its reply is in the message).
    public func authenticate(password: String) throws(ExperimentError) {
        let reply = try send("AUTH", password)
        if case .error(let text) = reply {
            throw ExperimentError(.databaseUnreachable, "the database refused the password: \(text)")
        }
    }

    /// Connects to `address` and, when `password` is given, authenticates.
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/databaseUnreachable``.
    public static func open(address: String, password: String?, timeoutMilliseconds: Int = 2000) throws(ExperimentError) -> DatabaseConnection {
        let connection = try DatabaseConnection(address: address, timeoutMilliseconds: timeoutMilliseconds)
        if let password { try connection.authenticate(password: password) }
        return connection
    }
}
