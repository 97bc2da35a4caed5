import TandemTensor

/// Trains a model with an optimizer on a loss: the training loop of DiffusionResNet.
///
/// ```swift
/// let model = DiffusionResNet<Float>(depth: 4, seed: 1)
/// let trainer = Trainer(model: model,
///                       optimizer: Adam(schedule: .tutorial()),
///                       loss: .meanAbsoluteError)
/// var generator = SeededGenerator(seed: 2)
/// for epoch in 0..<40 {
///     let loss = trainer.fit(epoch: data, batchSize: 50, generator: &generator)
/// }
/// let prediction = trainer.predict(inputs)     // inference mode
/// ```
///
/// The trainer owns the thread pool its passes run on; one trainer is used from one
/// thread at a time.
public final class Trainer<Model: Layer> {
    public typealias Scalar = Model.Scalar
    /// The model being trained.
    public let model: Model
    /// The optimizer (its step counter is the trainer's).
    public let optimizer: Adam<Scalar>
    /// The loss minimised.
    public let loss: Loss
    /// The threads the passes run on.
    public let pool: ComputePool
    /// The instruction set the passes and the optimizer run.
    public let kernels: KernelSet
    private let batchInputs = FeatureMap<Scalar>()
    private let batchTargets = FeatureMap<Scalar>()
    private let lossGradient = FeatureMap<Scalar>()
    private let parameters: [Parameter<Scalar>]

    /// Creates a trainer running on `threads` threads (default: all processors) with the
    /// kernels of `kernels` (default: the process's).
    public init(model: Model, optimizer: Adam<Scalar>, loss: Loss, threads: Int = ComputePool.processorCount,
                kernels: KernelSet = .active) {
        self.kernels = kernels
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        pool = ComputePool(threads: threads)
        parameters = model.parameters
    }

    /// One optimizer update on a batch, in training mode; returns the batch loss before the update.
    @discardableResult
    @_specialize(where Model == DiffusionResNet<Float>) @_specialize(where Model == DiffusionResNet<Double>)
    public func step(inputs: FeatureMap<Scalar>, targets: FeatureMap<Scalar>) -> Double {
        let context = PassContext(pool: pool, training: true, kernels: kernels)
        for p in parameters where p.isTrainable { p.zeroGradient() }
        let prediction = model.forward(inputs, context: context)
        let value = loss.value(prediction, targets)
        loss.gradient(prediction, targets, into: lossGradient)
        _ = model.backward(lossGradient, context: context)
        optimizer.update(parameters, kernels: kernels)
        return value
    }

    /// One pass over `data` in batches of `batchSize` (the last may be smaller), in an order
    /// shuffled by `generator`; returns the mean of the batch losses.
    @discardableResult
    @_specialize(where Model == DiffusionResNet<Float>) @_specialize(where Model == DiffusionResNet<Double>)
    public func fit(epoch data: TrainingSet<Scalar>, batchSize: Int, generator: inout SeededGenerator) -> Double {
        precondition(batchSize > 0, "batch size must be positive")
        let order = Array(0..<data.count).shuffled(using: &generator)
        var total = 0.0, batches = 0
        var start = 0
        while start < order.count {
            let end = min(start + batchSize, order.count)
            data.fill(Array(order[start..<end]), inputs: batchInputs, outputs: batchTargets)
            total += step(inputs: batchInputs, targets: batchTargets)
            batches += 1
            start = end
        }
        return total / Double(max(batches, 1))
    }

    /// The model's output in inference mode (owned by the model; valid until its next pass).
    @_specialize(where Model == DiffusionResNet<Float>) @_specialize(where Model == DiffusionResNet<Double>)
    public func predict(_ inputs: FeatureMap<Scalar>) -> FeatureMap<Scalar> {
        model.infer(inputs, context: PassContext(pool: pool, training: false, kernels: kernels))
    }

    /// The loss over `data` in inference mode, batch by batch, weighted by batch size.
    @_specialize(where Model == DiffusionResNet<Float>) @_specialize(where Model == DiffusionResNet<Double>)
    public func evaluate(_ data: TrainingSet<Scalar>, batchSize: Int = 50) -> Double {
        var total = 0.0
        var start = 0
        while start < data.count {
            let end = min(start + batchSize, data.count)
            data.fill(Array(start..<end), inputs: batchInputs, outputs: batchTargets)
            total += loss.value(predict(batchInputs), batchTargets) * Double(end - start)
            start = end
        }
        return total / Double(data.count)
    }
}

extension Trainer where Model: Network {
    /// Saves the model's parameters, the optimizer's moments and the step to `path`.
    public func saveCheckpoint(to path: String) throws(NNError) {
        try Checkpoint.save(model: model, optimizer: optimizer, to: path)
    }

    /// Restores parameters, moments and step from `path`; on error nothing changes.
    public func loadCheckpoint(from path: String) throws(NNError) {
        try Checkpoint.load(from: path, into: model, optimizer: optimizer)
    }
}
