import Foundation

/// Several steps to start as one batch job: an ensemble with ``BatchSettings``.
public struct BatchLaunch: Sendable, Hashable {
    /// The batch job's name (the ensemble's).
    public var name: String
    /// The steps, one per member, in member order.
    public var steps: [LaunchStep]
    /// The allocation the batch job asks for and its preamble.
    public var settings: BatchSettings
    /// Where the batch script and the batch job's own output go (the ensemble's directory).
    public var directory: URL
    /// The environment the batch job itself is submitted with (the experiment's); each
    /// step's own differences from it are set for that step only.
    public var environment: [String: String]

    /// Creates a batch.
    public init(name: String, steps: [LaunchStep], settings: BatchSettings, directory: URL,
                environment: [String: String]) {
        self.name = name
        self.steps = steps
        self.settings = settings
        self.directory = directory
        self.environment = environment
    }
}
