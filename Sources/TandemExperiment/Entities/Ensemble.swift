import Foundation

/// A group of models run as one: replicas of a program, or one member per point of a
/// parameter space.
///
/// Members are named `<ensemble>_<i>` and live in `<ensemble directory>/<member name>`. As in
/// SmartSim, every member has key prefixing enabled: member `i` runs with `SSKEYOUT=<ensemble>_<i>`.
///
/// ```swift
/// var ensemble = try experiment.createEnsemble("fd_simulation", runSettings: settings, replicas: 2)
/// ensemble.attachFiles(configure: [inputFile])
/// ```
public struct Ensemble: Entity, Hashable {
    /// The ensemble's name.
    public var name: String
    /// The ensemble's directory; members have subdirectories in it.
    public var directory: URL
    /// The members, in order.
    public var members: [Model]
    /// When set, the ensemble runs as one batch job whose steps are the members (under the
    /// Slurm launcher; other launchers run the members as usual).
    public var batchSettings: BatchSettings?

    /// Creates `count` identical members.
    ///
    /// - Precondition: `count ≥ 1`.
    public init(name: String, runSettings: RunSettings, replicas count: Int, directory: URL) {
        precondition(count >= 1, "an ensemble needs at least one replica, got \(count)")
        self.init(name: name, runSettings: runSettings, parameterSets: Array(repeating: [:], count: count),
                  directory: directory)
    }

    /// Creates one member per parameter set that `strategy` draws from `parameters`.
    ///
    /// - Throws: ``ExperimentError/Code-swift.struct/invalidDeclaration`` when the strategy
    ///   refuses the space or it yields no member.
    public init(name: String, runSettings: RunSettings, parameters: ParameterSpace,
                strategy: ExpansionStrategy, directory: URL) throws(ExperimentError) {
        let sets = try parameters.expand(strategy)
        guard !sets.isEmpty else {
            throw ExperimentError(.invalidDeclaration, "ensemble \(name): the parameter space yields no member")
        }
        self.init(name: name, runSettings: runSettings, parameterSets: sets, directory: directory)
    }

    private init(name: String, runSettings: RunSettings, parameterSets: [[String: String]], directory: URL) {
        self.name = name
        self.directory = directory
        members = parameterSets.enumerated().map { i, parameters in
            let memberName = "\(name)_\(i)"
            var member = Model(name: memberName, runSettings: runSettings, parameters: parameters,
                               directory: directory.appendingPathComponent(memberName, isDirectory: true))
            member.enableKeyPrefixing()
            return member
        }
    }

    public var kind: EntityKind { .ensemble(self) }

    /// Whether every member prefixes its keys.
    public var isKeyPrefixingEnabled: Bool { members.allSatisfy(\.isKeyPrefixingEnabled) }

    /// Enables key prefixing on every member.
    public mutating func enableKeyPrefixing() {
        for i in members.indices { members[i].enableKeyPrefixing() }
    }

    /// Disables key prefixing on every member.
    public mutating func disableKeyPrefixing() {
        for i in members.indices { members[i].disableKeyPrefixing() }
    }

    /// Registers `model` as an incoming entity of every member.
    public mutating func registerIncomingEntity(_ model: Model) {
        for i in members.indices { members[i].registerIncomingEntity(model) }
    }

    /// Attaches files to every member (see ``Model/attachFiles(copy:link:configure:)``);
    /// configured files get each member's own parameter values.
    public mutating func attachFiles(copy: [URL] = [], link: [URL] = [], configure: [URL] = []) {
        for i in members.indices { members[i].attachFiles(copy: copy, link: link, configure: configure) }
    }
}
