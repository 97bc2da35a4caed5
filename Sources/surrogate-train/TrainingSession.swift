import Foundation
import ONNX
import TandemClient
import TandemML
import TandemNN
import TandemONNX
import TandemTensor
import TandemWorkflow

/// One training run: waits for data, trains epoch by epoch on what the downloader serves,
/// logs each epoch, publishes the loss history and stores checkpoints.
struct TrainingSession {
    let client: Client
    let options: SurrogateTrain

    init(client: Client, options: SurrogateTrain) {
        self.client = client
        self.options = options
    }

    mutating func run() throws {
        var entropy = SeededGenerator()
        let seed = options.grid.seed ?? entropy.next()
        let downloader = try waitForData(seed: seed)
        switch options.network {
        case .diffusionResNet:
            let model = DiffusionResNet<Float>(depth: options.depth, seed: seed)
            let schedule = LearningRateSchedule.tutorial(initial: options.initialLearningRate)
            try train(model, schedule: schedule, smoothDecay: false, downloader: downloader) {
                $0.onnxModel(height: options.grid.size, width: options.grid.size).serialized()
            }
        case .heatUNet:
            let model = HeatUNet<Float>(levels: options.depth, width: options.width, seed: seed)
            try train(model, schedule: .constant(options.initialLearningRate), smoothDecay: true, downloader: downloader) {
                $0.onnxModel(height: options.grid.size, width: options.grid.size).serialized()
            }
        }
    }

    /// Trains `model` epoch by epoch on what `downloader` serves. With `smoothDecay` the
    /// learning rate follows ``HeatUNet/learningRate(initial:progress:)`` by the fraction of
    /// the epochs done (the data keeps coming, so the step count is not known in advance); otherwise `schedule` runs by step.
    private func train<Model: Network>(_ model: Model, schedule: LearningRateSchedule, smoothDecay: Bool,
                                       downloader: DataDownloader, export: (Model) -> [UInt8]) throws where Model.Scalar == Float {
        let trainer = Trainer(model: model, optimizer: Adam(schedule: schedule), loss: .meanAbsoluteError)
        let parameters = model.parameters.reduce(0) { $0 + $1.count }
        print("training \(model.architecture), \(parameters) parameters, on \(downloader.sources.filter { !$0.isEmpty }.joined(separator: ", "))")
        let inputs = FeatureMap<Float>(), targets = FeatureMap<Float>()
        var losses: [Double] = [], rates: [Double] = []
        var checkpoints = 0
        for epoch in 1...options.epochs {
            let start = Date()
            let batches = try downloader.epoch()
            var total = 0.0
            for (index, batch) in batches.enumerated() {
                if smoothDecay {
                    let done = (Double(epoch - 1) + Double(index) / Double(max(1, batches.count))) / Double(options.epochs)
                    trainer.optimizer.schedule = .constant(HeatUNet<Float>.learningRate(initial: options.initialLearningRate, progress: done))
                }
                try load(batch.samples, into: inputs)
                try load(batch.targets ?? batch.samples, into: targets)
                total += trainer.step(inputs: inputs, targets: targets)
            }
            losses.append(total / Double(max(1, batches.count)))
            rates.append(trainer.optimizer.currentLearningRate)
            try client.putTensor(WorkflowKeys.lossHistory, losses, shape: [losses.count])
            try client.putTensor(WorkflowKeys.learningRateHistory, rates, shape: [rates.count])
            print(String(format: "epoch %d/%d: %d samples, loss %.5f, lr %.5f, %.2f s", epoch, options.epochs,
                         batches.count * options.batchSize, losses.last!, rates.last!, Date().timeIntervalSince(start)))
            if epoch % options.checkpointEvery == 0 || epoch == options.epochs && checkpoints == 0 {
                let name = options.network.checkpointName(depth: options.depth, index: checkpoints)
                try client.setModel(name, model: export(model), backend: .onnx)
                print("checkpoint \(name) stored after epoch \(epoch)")
                checkpoints += 1
            }
            fflush(nil)
        }
    }

    /// A downloader over every incoming simulation's `training_data`, once a full batch exists.
    private func waitForData(seed: UInt64) throws -> DataDownloader {
        let interval = 0.25
        let tries = max(1, Int((options.waitSeconds / interval).rounded(.up)))
        let downloader = try DataDownloader(client: client, info: DataInfo(),
                                            options: .init(batchSize: options.batchSize, seed: seed))
        print("waiting for training data from \(downloader.sources.filter { !$0.isEmpty }.joined(separator: ", "))")
        fflush(nil)
        try downloader.waitForSamples(tries: tries, interval: interval)
        return downloader
    }

    /// Copies a `[N, size, size, 1]` float32 batch into a feature map.
    private func load(_ tensor: Tensor, into map: FeatureMap<Float>) throws {
        guard tensor.dtype == .float, tensor.shape.count == 4, tensor.shape[1] == options.grid.size,
              tensor.shape[2] == options.grid.size, tensor.shape[3] == 1 else {
            throw ValidationErrorMessage("training batches must be float32 [N, \(options.grid.size), \(options.grid.size), 1], got \(tensor.dtype) \(tensor.shape)")
        }
        map.resize(batch: tensor.shape[0], channels: 1, height: options.grid.size, width: options.grid.size)
        tensor.withUnsafeBufferPointer(as: Float.self) { map.copyIn(nhwc: $0.baseAddress!) }
    }
}

/// A plain error whose text is the message.
struct ValidationErrorMessage: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
