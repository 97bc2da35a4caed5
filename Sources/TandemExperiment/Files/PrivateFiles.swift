import Foundation
import Glibc

/// Files that may hold data or secrets — database folders and files, configurations with a
/// password, run records — are created readable by their owner only: folders 0700, files 0600.
public enum PrivateFiles {
    /// Creates `url` and any missing parent folder with mode 0700 (existing folders keep theirs).
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/generationFailed`` naming the folder and the reason.
    public static func makeDirectory(_ url: URL) throws(ExperimentError) {
        var missing: [String] = []
        var path = url.standardizedFileURL.path
        var info = stat()
        while !path.isEmpty && path != "/" && stat(path, &info) != 0 {
            missing.append(path)
            path = (path as NSString).deletingLastPathComponent
        }
        for folder in missing.reversed() {
            if mkdir(folder, 0o700) != 0 && errno != EEXIST {
                let error = NSError(domain: NSPOSIXErrorDomain, code: Int(errno))
                throw ExperimentError(.generationFailed, "cannot create the folder \(url.path): " + FileProblem.explain(error, at: folder))
            }
        }
        var final = stat()
        guard stat(url.path, &final) == 0, (final.st_mode & S_IFMT) == S_IFDIR else {
            throw ExperimentError(.generationFailed, "cannot create the folder \(url.path): a file of that name is in the way")
        }
    }

    /// Writes `data` to `url` atomically with mode 0600, creating its folder (0700) if needed.
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/generationFailed`` naming the file and the reason.
    public static func write(_ data: Data, to url: URL) throws(ExperimentError) {
        try makeDirectory(url.deletingLastPathComponent())
        let temporary = url.path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ExperimentError(.generationFailed, "cannot write \(url.path): \(String(cString: strerror(errno)))")
        }
        fchmod(fd, 0o600)
        var failure: Int32 = 0
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        close(fd)
        if failure == 0 && rename(temporary, url.path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw ExperimentError(.generationFailed, "cannot write \(url.path): \(String(cString: strerror(failure)))")
        }
    }
}
