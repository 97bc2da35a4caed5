import Foundation
import Glibc

/// What went wrong with a path, in words a person can act on — never
/// `NSCocoaErrorDomain Code=512 "(null)"`.
public enum FileProblem {
    /// Why `path` could not be created or written: a file standing where a folder is needed,
    /// a missing permission, or the system's reason.
    ///
    /// - Parameters:
    ///   - error: what Foundation (or the system) threw.
    ///   - path: the file or folder that was being created or written.
    public static func explain(_ error: any Error, at path: String) -> String {
        // The first part of the path that exists tells most failures apart.
        var existing = URL(fileURLWithPath: path).standardizedFileURL.path
        var info = stat()
        while existing != "/" && stat(existing, &info) != 0 {
            existing = (existing as NSString).deletingLastPathComponent
        }
        if existing != URL(fileURLWithPath: path).standardizedFileURL.path {
            if (info.st_mode & S_IFMT) != S_IFDIR {
                return "\(existing) is a file, not a folder, so \(path) cannot be created under it"
            }
            if access(existing, W_OK) != 0 {
                return "no permission to create anything in \(existing)"
            }
        }
        return "\(path): \(reason(error))"
    }

    /// The system's reason behind a Foundation file error.
    public static func reason(_ error: any Error) -> String {
        if let error = error as? ExperimentError { return error.message }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        switch nsError.code {
        case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "no such file or folder"
        case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "permission denied"
        case NSFileWriteOutOfSpaceError: return "no space left on the device"
        case NSFileWriteVolumeReadOnlyError: return "read-only file system"
        case NSFileWriteFileExistsError: return "a file of that name is in the way"
        default:
            let text = nsError.localizedDescription
            return text.contains("(null)") ? "cannot write it (\(nsError.domain) error \(nsError.code))" : text
        }
    }
}
