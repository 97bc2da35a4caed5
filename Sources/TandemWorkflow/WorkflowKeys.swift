/// The key names that `fd-sim`, `surrogate-train` and `online-training` agree on: declared
/// once, so that a producer and its readers can never drift apart. Each name is the
/// tutorial's; with key prefixing on, the client adds the member's prefix
/// (`fd_simulation_0.{sim_data_3}.u_init`).
public enum WorkflowKeys {
    /// The dataset of simulation `index` of one ensemble member: `sim_data_<index>`.
    public static func simulation(_ index: Int) -> String { "sim_data_\(index)" }
    /// The tensor of a simulation dataset holding the initial field (1 at sources, else 0),
    /// float32 of shape [1, size, size, 1].
    public static let initialField = "u_init"
    /// The tensor of a simulation dataset holding the solved steady state, same shape.
    public static let steadyField = "u_steady"
    /// Tensor of float64 the trainer publishes: the mean training loss of every finished epoch.
    public static let lossHistory = "training_loss"
    /// Tensor of float64 the trainer publishes: the learning rate at the end of every epoch.
    public static let learningRateHistory = "training_learning_rate"
}
