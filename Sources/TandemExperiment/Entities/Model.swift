import Foundation

/// One program in an experiment, with its parameters, files and data-flow declarations.
///
/// Create models with ``Experiment/createModel(_:runSettings:parameters:)`` (which gives them
/// a directory in the experiment) or as members of an ``Ensemble``.
///
/// ```swift
/// var trainer = experiment.createModel("surrogate-train", runSettings: settings)
/// for simulation in ensemble.members { trainer.registerIncomingEntity(simulation) }
/// ```
public struct Model: Entity, Hashable {
    /// The model's name; with key prefixing it is also the prefix of the keys it writes.
    public var name: String
    /// How to run it.
    public var runSettings: RunSettings
    /// Parameter values, written into the model's configured files (``AttachedFiles/configure``).
    public var parameters: [String: String]
    /// The model's own directory: its `.out`/`.err` files and generated files go here.
    public var directory: URL
    /// Whether the model prefixes the keys it writes with its name (`SSKEYOUT`).
    public private(set) var isKeyPrefixingEnabled = false
    /// Names of the entities whose keys this model reads (`SSKEYIN`), in registration order.
    public private(set) var incomingEntities: [String] = []
    /// Files placed in ``directory`` when the experiment generates the model.
    public var files = AttachedFiles()
    /// When set, the model runs as a batch job of its own (under the Slurm launcher; other
    /// launchers run it as usual). Ignored for an ensemble's members: the ensemble's count.
    public var batchSettings: BatchSettings?
    /// A database started beside the model, before it and ended after it; `nil` for none.
    public var colocatedDatabase: ColocatedDatabase?

    /// Creates a model.
    ///
    /// - Parameters:
    ///   - name: unique in the experiment.
    ///   - runSettings: how to run it.
    ///   - parameters: values for configured files.
    ///   - directory: the model's directory.
    public init(name: String, runSettings: RunSettings, parameters: [String: String] = [:], directory: URL) {
        self.name = name
        self.runSettings = runSettings
        self.parameters = parameters
        self.directory = directory
    }

    public var kind: EntityKind { .model(self) }

    /// Makes the model's client prefix the keys it writes with the model's name: the model
    /// runs with `SSKEYOUT=<name>`, as in SmartSim.
    public mutating func enableKeyPrefixing() { isKeyPrefixingEnabled = true }

    /// Turns key prefixing off again (no `SSKEYOUT`).
    public mutating func disableKeyPrefixing() { isKeyPrefixingEnabled = false }

    /// Declares that this model reads keys written by `model` (a model with key prefixing):
    /// this model runs with `SSKEYIN` listing the registered names, comma-separated, and its
    /// client reads from the first one by default. Registering a name twice has no effect.
    public mutating func registerIncomingEntity(_ model: Model) {
        if !incomingEntities.contains(model.name) { incomingEntities.append(model.name) }
    }

    /// Registers every member of `ensemble` as an incoming entity, in member order
    /// (SmartSim's tutorial does this with a loop over `ensemble.entities`).
    public mutating func registerIncomingEntity(_ ensemble: Ensemble) {
        for member in ensemble.members { registerIncomingEntity(member) }
    }

    /// Attaches files to place in the model's directory when it is generated.
    ///
    /// - Parameters:
    ///   - copy: files or directories copied in.
    ///   - link: files or directories linked in (symbolic links to the absolute source).
    ///   - configure: text files copied in with every `;name;` tag replaced by the value
    ///     of parameter `name`.
    public mutating func attachFiles(copy: [URL] = [], link: [URL] = [], configure: [URL] = []) {
        files.copy += copy
        files.link += link
        files.configure += configure
    }
}
