import TandemNN
import Testing

@Suite struct TrainingSetTests {
    @Test(arguments: [1, 3])
    func fillCopiesTheChosenPairsInOrder(channels: Int) {
        let size = 2 * 3 * channels
        let samples = (0..<(4 * size)).map(Double.init)
        let targets = samples.map { -$0 }
        let data = TrainingSet(samples: samples, targets: targets, shape: [4, 2, 3, channels])
        let inputs = FeatureMap<Double>(), outputs = FeatureMap<Double>()
        data.fill([2, 0, 3], inputs: inputs, outputs: outputs)
        let expected = [2, 0, 3].flatMap { samples[($0 * size)..<(($0 + 1) * size)] }
        #expect(inputs.shapeNHWC == [3, 2, 3, channels])
        #expect(inputs.nhwc() == expected)
        #expect(outputs.nhwc() == expected.map { -$0 })
    }
}
