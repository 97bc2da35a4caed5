/// Something an experiment can start, stop and report on: a ``Model``, an ``Ensemble`` or an
/// ``Orchestrator``.
///
/// The set is closed (``EntityKind``): launchers vary, entity kinds do not, so the experiment
/// switches over the kind instead of guessing types at run time.
public protocol Entity: Sendable {
    /// The entity's name, unique in its experiment.
    var name: String { get }
    /// The entity as one of the kinds an experiment knows.
    var kind: EntityKind { get }
}

/// The kinds of entity an experiment runs.
public enum EntityKind: Sendable {
    /// One program.
    case model(Model)
    /// A group of models run as one.
    case ensemble(Ensemble)
    /// A database.
    case orchestrator(Orchestrator)
}

extension Entity {
    /// The names of the jobs this entity runs: the model's own name, each ensemble member's
    /// name, or each database node's name (`orchestrator_0`, `orchestrator_1`, …).
    public var jobNames: [String] {
        switch kind {
        case .model(let model): [model.name]
        case .ensemble(let ensemble): ensemble.members.map(\.name)
        case .orchestrator(let orchestrator): orchestrator.nodes.map(\.name)
        }
    }
}
