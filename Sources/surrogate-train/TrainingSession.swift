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
            try checkShapes(of: batches)
            var total = 0.0
            for index in batches.indices {
                if smoothDecay {
                    let done = (Double(epoch - 1) + Double(index) / Double(max(1, batches.count))) / Double(options.epochs)
                    trainer.optimizer.schedule = .constant(HeatUNet<Float>.learningRate(initial: options.initialLearningRate, progress: done))
                }
                for map in [inputs, targets] { map.resize(batch: options.batchSize, channels: 1, height: options.grid.size, width: options.grid.size) }
                batches.copy(index, samples: inputs.bytes, targets: targets.bytes)
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

    /// Refuses batches that are not float32 `[N, size, size, 1]` samples and targets (a
    /// channel-last sample of one channel is laid out as the feature maps are).
    private func checkShapes(of epoch: DataDownloader.Epoch) throws {
        let expected = [options.grid.size, options.grid.size, 1]
        for (what, type) in [("samples", epoch.sampleType), ("targets", epoch.targetType ?? epoch.sampleType)] {
            guard type.dtype == .float, type.shape == expected else {
                throw ValidationErrorMessage("training \(what) must be float32 [N, \(options.grid.size), \(options.grid.size), 1], got \(type.dtype.map { "\($0)" } ?? "none") [N, \(type.shape.map(String.init).joined(separator: ", "))]")
            }
        }
    }
}

/// A plain error whose text is the message.
struct ValidationErrorMessage: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
