import Foundation

/// Finding a program the way a shell does.
enum ExecutableLookup {
    /// `name` itself when it contains a `/` (relative to `directory` if given), else the first
    /// executable `<dir>/<name>` along `path` (the driver's `PATH` when `nil`).
    static func find(_ name: String, path: String?, relativeTo directory: URL? = nil) -> String? {
        let files = FileManager.default
        if name.contains("/") {
            let candidate = name.hasPrefix("/") || directory == nil
                ? name : directory!.appendingPathComponent(name).path
            return files.isExecutableFile(atPath: candidate) ? candidate : nil
        }
        let search = path ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in search.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(folder)/\(name)"
            var isDirectory: ObjCBool = false
            if files.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               files.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }
}
