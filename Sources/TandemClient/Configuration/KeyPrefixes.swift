/// Which prefix a key gets: the one for writing (`SSKEYOUT`) or for reading (the data source).
enum KeyDirection {
    case put, get
}

/// The kinds of keys with their own ensemble-prefix switch.
enum KeyKind {
    case tensor, dataset, model, list
}

/// The ensemble prefixing state of a client and SmartRedis's key formulas.
///
/// Put keys are `SSKEYOUT.name`, get keys `source.name` where the source is one of the
/// `SSKEYIN` entries (the first by default). Each kind of key has a switch; tensors,
/// datasets and lists are prefixed by default, models are not. A switch that is on with
/// no prefix configured leaves the key as it is.
struct KeyPrefixes: Sendable {
    let output: String
    let inputs: [String]
    var dataSource: String?
    var tensors = true
    var datasets = true
    var models = false
    var lists = true

    init(_ configuration: KeyPrefixConfiguration) {
        output = configuration.output
        inputs = configuration.inputs
        dataSource = inputs.first
    }

    /// The prefix (with its `.`) for a key of `kind` in `direction`, or `""`.
    func prefix(_ kind: KeyKind, _ direction: KeyDirection) -> String {
        let enabled = switch kind {
        case .tensor: tensors
        case .dataset: datasets
        case .model: models
        case .list: lists
        }
        guard enabled else { return "" }
        switch direction {
        case .put: return output.isEmpty ? "" : output + "."
        case .get: return dataSource.map { $0 + "." } ?? ""
        }
    }

    /// `pfx ‖ name` for tensors, models and lists.
    func key(_ kind: KeyKind, _ name: String, _ direction: KeyDirection) -> String {
        prefix(kind, direction) + name
    }

    /// The dataset key `pfx ‖ "{" ‖ name ‖ "}"`, the stem of its `.meta` hash and tensors.
    func datasetKey(_ name: String, _ direction: KeyDirection) -> String {
        prefix(.dataset, direction) + "{" + name + "}"
    }
}

/// The keys of one stored dataset, from its dataset key (`pfx{name}`), as bytes: list
/// entries written by other clients are used verbatim, whatever bytes they hold.
struct DatasetKeys {
    /// `pfx{name}`.
    var stem: [UInt8]

    init(stem: [UInt8]) { self.stem = stem }
    init(stem: String) { self.stem = Array(stem.utf8) }

    /// `pfx{name}.meta`.
    var meta: [UInt8] { stem + Array(".meta".utf8) }
    /// `pfx{name}.tensor`.
    func tensor(_ name: [UInt8]) -> [UInt8] { stem + [UInt8(ascii: ".")] + name }
    /// The stem as text, for messages.
    var text: String { String(decoding: stem, as: UTF8.self) }
}
