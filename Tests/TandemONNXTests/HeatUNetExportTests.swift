import Foundation
import ONNX
import TandemNN
import TandemONNX
import TandemTensor
import Testing
import TandemTesting

/// ONNX export of HeatUNet: the graph runs in onnxruntime and in the Swift runtime (the one
/// inside the database), and both agree with TandemNN's own forward pass, at even and odd
/// sizes, batches 1 and 5; the exported output holds the fixed values exactly.
@Suite struct HeatUNetExportTests {
    /// A network with random biases (zero biases would leave their export untested).
    static func network(levels: Int, seed: UInt64) -> HeatUNet<Float> {
        let model = HeatUNet<Float>(levels: levels, width: 4, seed: seed)
        var generator = SeededGenerator(seed: seed &+ 77)
        for parameter in model.parameters where parameter.name.hasSuffix(".bias") {
            parameter.values = (0..<parameter.count).map { _ in Float.random(in: -0.2...0.2, using: &generator) }
        }
        return model
    }

    /// Source maps as the workflow feeds them: discs of 1 on a field of 0.
    static func sources(batch: Int, size: Int, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        var values = [Float](repeating: 0, count: batch * size * size)
        for n in 0..<batch {
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let cy = Int.random(in: 3..<(size - 3), using: &generator), cx = Int.random(in: 3..<(size - 3), using: &generator)
                for y in (cy - 2)...(cy + 2) { for x in (cx - 2)...(cx + 2) { values[(n * size + y) * size + x] = 1 } }
            }
        }
        return Tensor(shape: [batch, size, size, 1], scalars: values)
    }

    struct Case {
        let label: String
        let model: HeatUNet<Float>
        let size: Int
        let input: Tensor
        var bytes: [UInt8] { model.onnxModel(height: size, width: size).serialized() }

        /// TandemNN's forward pass in inference mode.
        func expected() -> [Float] {
            let map = FeatureMap<Float>()
            map.resize(batch: input.shape[0], channels: 1, height: size, width: size)
            input.withUnsafeBufferPointer(as: Float.self) { map.copyIn(nhwc: $0.baseAddress!) }
            return model.forward(map, context: PassContext(pool: ComputePool(threads: 1), training: false)).nhwc()
        }
    }

    static func cases() -> [Case] {
        var cases: [Case] = []
        for (levels, size) in [(2, 16), (3, 33), (4, 64)] {
            let model = network(levels: levels, seed: UInt64(levels * 10 + size))
            for batch in [1, 5] {
                cases.append(Case(label: "levels \(levels) size \(size) batch \(batch)", model: model, size: size,
                                  input: sources(batch: batch, size: size, seed: UInt64(size + batch))))
            }
        }
        return cases
    }

    @Test func exportedGraphUsesOnlyRuntimeOperatorsAndHoldsEveryParameter() throws {
        let model = Self.network(levels: 3, seed: 5)
        let onnx = model.onnxModel(height: 32, width: 32)
        #expect(Set(onnx.graph.nodes.map(\.opType)) == ["Transpose", "Conv", "ConvTranspose", "Selu", "Add", "Mul", "Sub"])
        let values = onnx.graph.initializers.reduce(0) { $0 + (try! $1.elementCount()) }
        #expect(values == model.parameterCount.total + 32 * 32, "every parameter, and the interior mask")
        #expect(try ONNXModel(serialized: onnx.serialized()) == onnx)
    }

    @Test func onnxruntimeAndTheSwiftRuntimeAgreeWithTandemNN() throws {
        let cases = Self.cases()
        let references = try ExportFixtures.runInOnnxruntime(cases.map { ($0.bytes, $0.input) })
        #expect(references.count == cases.count)
        for (sample, ort) in zip(cases, references) {
            let expected = sample.expected()
            #expect(ort.shape == sample.input.shape, "\(sample.label)")
            let ortValues = ort.scalars(as: Float.self)
            let tandemNN = maxAbsDifference(ortValues, expected)
            #expect(tandemNN < 1e-4, "\(sample.label): onnxruntime vs TandemNN \(tandemNN)")
            let session = try ONNXSession(serialized: sample.bytes)
            let swift = try #require(try session.run([sample.input]).first)
            #expect(swift.shape == ort.shape)
            let runtime = maxAbsDifference(swift.scalars(as: Float.self), ortValues)
            #expect(runtime < 1e-4, "\(sample.label): Swift runtime vs onnxruntime \(runtime)")
            // Fixed values: 1 at sources, 0 on the outer ring, exactly.
            let input = sample.input.scalars(as: Float.self), n = sample.size
            for i in input.indices {
                let y = (i / n) % n, x = i % n
                if input[i] == 1 { #expect(ortValues[i] == 1) }
                if y == 0 || x == 0 || y == n - 1 || x == n - 1 { #expect(ortValues[i] == 0) }
            }
        }
    }
}
