import TandemNN
import TandemTensor
import Testing
import TandemTesting

@Suite struct PredictorTests {
    static func input(batch: Int, size: Int, seed: UInt64) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<(batch * size * size)).map { _ in Float.random(in: 0...1, using: &g) }
    }

    @Test(arguments: [1, 2], [1, 3, 8])
    func predictorMatchesTheModelsInferencePass(threads: Int, groupSize: Int) {
        let model = DiffusionResNet<Float>(depth: 3, channels: 1, seed: 3)
        for p in model.parameters where !p.isTrainable {   // non-trivial moving statistics
            p.values = (0..<p.count).map { Float($0 % 3) * 0.1 + 0.9 }
        }
        let values = Self.input(batch: 7, size: 24, seed: 1)
        let expected = model.forward(FeatureMap(nhwc: values, shape: [7, 24, 24, 1]),
                                     context: PassContext(pool: ComputePool(threads: 1), training: false)).nhwc()
        let predictor = Predictor(model: model, threads: threads, groupSize: groupSize)
        let output = predictor.predict(FeatureMap(nhwc: values, shape: [7, 24, 24, 1])).nhwc()
        #expect(maxAbsDifference(output, expected) < 1e-5)
    }

    @Test func tensorEntryPointKeepsShapeAndType() throws {
        let model = DiffusionResNet<Float>(depth: 2, channels: 1, seed: 4)
        let predictor = Predictor(model: model, threads: 2)
        let values = Self.input(batch: 3, size: 20, seed: 2)
        let output = try predictor.predict(Tensor(shape: [3, 20, 20, 1], scalars: values))
        #expect(output.shape == [3, 20, 20, 1])
        #expect(output.dtype == .float)
        let direct = predictor.predict(FeatureMap(nhwc: values, shape: [3, 20, 20, 1])).nhwc()
        #expect(output.scalars(as: Float.self) == direct)
    }

    @Test func invalidTensorsAreRejectedWithClearErrors() {
        let predictor = Predictor(model: DiffusionResNet<Float>(depth: 2, channels: 1), threads: 1)
        let cases: [Tensor] = [
            Tensor(shape: [1, 8, 8, 1], scalars: [Double](repeating: 0, count: 64)),
            Tensor(shape: [8, 8], scalars: [Float](repeating: 0, count: 64)),
            Tensor(shape: [1, 8, 8, 2], scalars: [Float](repeating: 0, count: 128)),
        ]
        for tensor in cases {
            do {
                _ = try predictor.predict(tensor)
                Issue.record("accepted \(tensor.dtype) \(tensor.shape)")
            } catch {
                #expect(error.code == .invalidInput)
                #expect(!error.message.isEmpty)
            }
        }
    }

    @Test func separatePredictorsRunConcurrently() async {
        let model = DiffusionResNet<Float>(depth: 2, channels: 1, seed: 5)
        let values = Self.input(batch: 4, size: 16, seed: 3)
        let expected = Predictor(model: model, threads: 1).predict(FeatureMap(nhwc: values, shape: [4, 16, 16, 1])).nhwc()
        let predictors = (0..<4).map { _ in Predictor(model: model, threads: 1) }
        await withTaskGroup(of: [Float].self) { group in
            for predictor in predictors {
                group.addTask {
                    var last: [Float] = []
                    for _ in 0..<20 { last = predictor.predict(FeatureMap(nhwc: values, shape: [4, 16, 16, 1])).nhwc() }
                    return last
                }
            }
            for await output in group { #expect(output == expected) }
        }
    }
}
