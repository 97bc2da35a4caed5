import Foundation
import TandemNN
import TandemTensor
import Testing

@Suite struct CheckpointTests {
    static func makeTrainer(seed: UInt64, depth: Int = 2) -> Trainer<DiffusionResNet<Float>> {
        Trainer(model: DiffusionResNet<Float>(depth: depth, channels: 1, seed: seed),
                optimizer: Adam(schedule: .tutorial()),
                loss: .meanAbsoluteError, threads: 1)
    }

    static func batch(seed: UInt64) -> (FeatureMap<Float>, FeatureMap<Float>) {
        var g = SeededGenerator(seed: seed)
        let x = (0..<(4 * 16 * 16)).map { _ in Float.random(in: 0...1, using: &g) }
        let y = (0..<(4 * 16 * 16)).map { _ in Float.random(in: 0...1, using: &g) }
        return (FeatureMap(nhwc: x, shape: [4, 16, 16, 1]), FeatureMap(nhwc: y, shape: [4, 16, 16, 1]))
    }

    static func state(_ t: Trainer<DiffusionResNet<Float>>) -> [Float] {
        t.model.parameters.flatMap(\.values) + t.optimizer.firstMoments.flatMap { $0 } + t.optimizer.secondMoments.flatMap { $0 }
    }

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tandemnn-\(UUID().uuidString).ckpt").path
    }

    @Test func roundTripRestoresEverythingAndTrainingContinuesIdentically() throws {
        let (x, y) = Self.batch(seed: 1)
        let original = Self.makeTrainer(seed: 1)
        for _ in 0..<3 { original.step(inputs: x, targets: y) }
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try original.saveCheckpoint(to: path)

        let restored = Self.makeTrainer(seed: 99)
        #expect(Self.state(restored) != Self.state(original))
        try restored.loadCheckpoint(from: path)
        #expect(restored.optimizer.step == 3)
        #expect(Self.state(restored) == Self.state(original))

        // Dropout masks come from the models' own generators; give both the same ones.
        for t in [original, restored] {
            t.model.inputDropout.generator = SeededGenerator(seed: 5)
            t.model.outputDropout.generator = SeededGenerator(seed: 6)
        }
        let a = original.step(inputs: x, targets: y), b = restored.step(inputs: x, targets: y)
        #expect(a == b)
        #expect(Self.state(restored) == Self.state(original))
    }

    @Test func corruptedTruncatedAndForeignFilesAreRejectedWithoutChangingTheModel() throws {
        let trainer = Self.makeTrainer(seed: 2)
        let (x, y) = Self.batch(seed: 2)
        trainer.step(inputs: x, targets: y)
        let good = Checkpoint.encode(model: trainer.model, optimizer: trainer.optimizer)
        let target = Self.makeTrainer(seed: 3)
        let before = Self.state(target)

        var flipped = good
        flipped[good.count / 2] ^= 0x40
        var wrongVersion = good
        wrongVersion[8] = 9
        let cases: [([UInt8], NNError.Code)] = [
            (flipped, .corruptCheckpoint),
            (Array(good.prefix(good.count - 100)), .corruptCheckpoint),
            (Array(good.prefix(10)), .corruptCheckpoint),
            (Array("not a checkpoint at all, just text".utf8), .corruptCheckpoint),
            (wrongVersion, .unsupportedVersion),
            (Checkpoint.encode(model: Self.makeTrainer(seed: 4, depth: 3).model, optimizer: Adam()), .mismatchedCheckpoint),
        ]
        for (bytes, code) in cases {
            #expect(throws: NNError.self) { try Checkpoint.decode(bytes, into: target.model, optimizer: target.optimizer) }
            do {
                try Checkpoint.decode(bytes, into: target.model, optimizer: target.optimizer)
            } catch {
                #expect(error.code == code, "\(error)")
            }
            #expect(Self.state(target) == before)
            #expect(target.optimizer.step == 0)
        }
    }

    @Test func missingFileIsAFileAccessError() {
        let trainer = Self.makeTrainer(seed: 5)
        do {
            try trainer.loadCheckpoint(from: "/nonexistent/dir/model.ckpt")
            Issue.record("loading a missing file succeeded")
        } catch {
            #expect(error.code == .fileAccess)
            #expect(error.message.contains("/nonexistent/dir/model.ckpt"))
        }
    }

    @Test func checkpointOfAFreshOptimizerHasNoMoments() throws {
        let trainer = Self.makeTrainer(seed: 6)
        let bytes = Checkpoint.encode(model: trainer.model, optimizer: trainer.optimizer)
        let other = Self.makeTrainer(seed: 7)
        try Checkpoint.decode(bytes, into: other.model, optimizer: other.optimizer)
        #expect(other.optimizer.firstMoments.isEmpty)
        #expect(other.model.parameters.flatMap(\.values) == trainer.model.parameters.flatMap(\.values))
    }
}
