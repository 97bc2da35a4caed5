import CTandemBackend

/// A backend library opened with dlopen: its resolved C functions (see TandemBackend.h in
/// CTandemBackend) and what it says about itself.
///
/// Opened once on Redis's main thread and never closed, so models and scripts built with it
/// may call it from any thread for as long as the process lives.
final class BackendLibrary: @unchecked Sendable {
    let backend: Backend
    /// The file it was opened from.
    let path: String
    /// The runtime's version (`INFO MODULES`).
    let version: String
    let api: TandemBackendAPI

    /// The size of the error buffers handed to the library.
    static let errorCapacity = 4096

    private init(backend: Backend, path: String, version: String, api: TandemBackendAPI) {
        self.backend = backend
        self.path = path
        self.version = version
        self.api = api
    }

    /// Opens `path`, checks that it implements `backend` and this interface version, and
    /// initialises it with the module's thread settings.
    ///
    /// - Throws: the reason, as text: dlopen's message, a missing function, another backend.
    static func open(_ backend: Backend, path: String, intraOpThreads: Int, interOpThreads: Int) throws(BackendError) -> BackendLibrary {
        var api = TandemBackendAPI()
        let opened = withErrorBuffer { error, capacity in
            tandem_backend_open(path, &api, error, capacity) != nil
        }
        guard opened.0 else { throw BackendError(opened.1) }
        guard let namePointer = api.name?(), let versionPointer = api.version?(), let initialise = api.initialize else {
            throw BackendError("\(path) is not a TandemAI backend library")
        }
        let name = String(cString: namePointer)
        guard name == backend.name else {
            throw BackendError("\(path) implements backend \(name), not \(backend.name)")
        }
        let initialised = withErrorBuffer { error, capacity in
            initialise(Int32(clamping: intraOpThreads), Int32(clamping: interOpThreads), error, capacity) == 0
        }
        guard initialised.0 else { throw BackendError("\(path) failed to initialise: \(initialised.1)") }
        return BackendLibrary(backend: backend, path: path, version: String(cString: versionPointer), api: api)
    }

    /// Calls `body` with a zeroed error buffer; returns its result and the buffer's text.
    static func withErrorBuffer<Result>(_ body: (UnsafeMutablePointer<CChar>, Int) -> Result) -> (Result, String) {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: errorCapacity)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0, count: errorCapacity)
        let result = body(buffer, errorCapacity)
        buffer[errorCapacity - 1] = 0
        return (result, BackendError.oneLine(String(cString: buffer)))
    }
}

/// Why a backend could not load, build or run something: text for an error reply.
struct BackendError: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = BackendError.oneLine(message) }

    /// `text` on one line (an error reply cannot hold line breaks), trimmed, never empty.
    static func oneLine(_ text: String) -> String {
        let parts = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { $0.trimmingSpaces }
        let joined = parts.filter { !$0.isEmpty }.joined(separator: " ")
        return joined.isEmpty ? "unknown backend error" : joined
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
