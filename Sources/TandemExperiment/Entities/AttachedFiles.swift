import Foundation

/// Files an entity needs in its directory, placed there when the experiment generates it.
public struct AttachedFiles: Sendable, Hashable {
    /// Files or directories copied into the entity's directory (a directory keeps its name).
    public var copy: [URL] = []
    /// Files or directories linked into the entity's directory: a symbolic link with the
    /// source's name, pointing at its absolute path.
    public var link: [URL] = []
    /// Text files copied in with their parameter tags replaced (see ``ConfiguredFile``).
    public var configure: [URL] = []

    /// No files.
    public init() {}

    /// Whether nothing is attached.
    public var isEmpty: Bool { copy.isEmpty && link.isEmpty && configure.isEmpty }
}

/// Writing a model's parameter values into a tagged text file.
///
/// A tag is the parameter's name between two tag characters, `;` by default, as in SmartSim:
/// with parameters `["steps": "100"]`, the line `STEPS = ;steps;` becomes `STEPS = 100`.
/// Tags naming no parameter are left as they are.
public enum ConfiguredFile {
    /// Replaces every `<tag><name><tag>` in `text` by the value of parameter `name`, in one
    /// pass from the left: replaced values are not scanned again, and a tag naming no
    /// parameter is kept verbatim.
    ///
    /// - Precondition: `tag` is not empty.
    /// - Complexity: O(text length).
    public static func replacingTags(in text: String, parameters: [String: String], tag: String = ";") -> String {
        precondition(!tag.isEmpty, "the tag must not be empty")
        var result = ""
        var rest = text[...]
        while let open = rest.range(of: tag) {
            result += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            if let close = afterOpen.range(of: tag),
               let value = parameters[String(afterOpen[..<close.lowerBound])] {
                result += value
                rest = afterOpen[close.upperBound...]
            } else {
                // Not a known tag: keep the tag text and look for a tag starting after it.
                result += rest[open]
                rest = afterOpen
            }
        }
        result += rest
        return result
    }
}
