/// The networks the heat-diffusion workflow can train, by the name `--network` takes.
///
/// - ``diffusionResNet``: the tutorial's ``DiffusionResNet`` (the default, as the tutorial).
/// - ``heatUNet``: ``HeatUNet``, multi-scale with the fixed values built in; its test
///   error is about 30 times smaller, with online training still within a minute.
public enum SurrogateNetwork: String, CaseIterable, Sendable, Codable {
    case diffusionResNet = "diffusion-resnet"
    case heatUNet = "heat-unet"

    /// The class name, which also starts the database keys of its checkpoints.
    public var modelName: String {
        switch self {
        case .diffusionResNet: "DiffusionResNet"
        case .heatUNet: "HeatUNet"
        }
    }

    /// The database key of checkpoint `index` of a network of `depth` (its levels for HeatUNet):
    /// `DiffusionResNet_4_0`, `HeatUNet_4_0`, …
    public func checkpointName(depth: Int, index: Int) -> String { "\(modelName)_\(depth)_\(index)" }

    /// The default number of training epochs of the workflow.
    public var defaultEpochs: Int {
        switch self {
        case .diffusionResNet: 40
        case .heatUNet: 10
        }
    }

    /// The default epochs between checkpoints of the workflow.
    public var defaultCheckpointEvery: Int {
        switch self {
        case .diffusionResNet: 10
        case .heatUNet: 2
        }
    }

    /// The default initial learning rate.
    public var defaultLearningRate: Double {
        switch self {
        case .diffusionResNet: 0.01
        case .heatUNet: 0.003
        }
    }

    /// The default mini-batch size.
    public var defaultBatch: Int {
        switch self {
        case .diffusionResNet: 50
        case .heatUNet: 4
        }
    }

    /// How the learning rate moves during training, in a few words.
    public var learningRateDescription: String {
        switch self {
        case .diffusionResNet: "0.01 · 0.9^⌊step/80⌋"
        case .heatUNet: "0.003 · 0.02^(fraction of the epochs done)"
        }
    }

    /// The default width (channels of the finest level; HeatUNet only).
    public static let defaultWidth = 8

    /// Why `depth` halvings do not fit a grid of `size` points per side (each halving needs
    /// at least one point left), or `nil` when they do.
    public static func depthProblem(depth: Int, size: Int) -> String? {
        guard depth >= 1, depth <= 30, 1 << depth <= size else {
            return "--depth must be between 1 and log2(--size) (\(Int.bitWidth - 1 - max(size, 1).leadingZeroBitCount)), got \(depth)"
        }
        return nil
    }

    /// The architecture string of the network built with these sizes, as its `architecture`.
    public func architecture(depth: Int, width: Int = defaultWidth) -> String {
        switch self {
        case .diffusionResNet: "DiffusionResNet(depth: \(depth), channels: 1)"
        case .heatUNet: "HeatUNet(levels: \(depth), width: \(width))"
        }
    }

    /// The number of parameters (all, trainable or not) of the network built with these sizes.
    public func parameterCount(depth: Int, width: Int = defaultWidth) -> Int {
        switch self {
        case .diffusionResNet: DiffusionResNet<Float>(depth: depth, channels: 1).parameterCount.total
        case .heatUNet: HeatUNet<Float>(levels: depth, width: width).parameterCount.total
        }
    }
}
