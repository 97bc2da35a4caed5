import ONNX
import TandemTensor

/// A dense multilayer perceptron written straight to ONNX, for the auto-batching
/// benchmark's second model: `Gemm` + `Relu` layers as PyTorch exports `nn.Linear` and
/// `nn.ReLU` (`Gemm` with `transB = 1`, weights `[out, in]`), input `[N, inputs]`, a dynamic
/// batch `N`, no activation after the last layer.
///
/// The default size is a surrogate of the tutorial's kind made dense: a 32×32 field in
/// (1024 values), two hidden layers of width 2048, a 32×32 field out. That is 8.4 million
/// weights (33.6 MB in float32), the size class of real dense surrogates and of a
/// transformer's feed-forward block (BERT-base: 768 → 3072 → 768, 4.7 million), and more
/// than a server processor's last-level cache (32 MB on the 2-core test machine), so a
/// batch-1 run streams every weight from memory to multiply it once (a matrix–vector
/// product) while a batch of 16 multiplies each weight it reads 16 times. The size is fixed
/// by that description, not chosen to produce a ratio.
struct DenseMLP {
    /// Widths from input to output: `widths[0]` inputs, then each layer's outputs.
    let widths: [Int]
    /// Per layer: weights `[widths[l + 1], widths[l]]` (row-major) and biases `[widths[l + 1]]`.
    let layers: [(weights: [Float], biases: [Float])]

    /// 1024 → 2048 → 2048 → 1024 (see the type's description).
    static let defaultWidths = [1024, 2048, 2048, 1024]

    /// Random weights from `seed`: He-uniform (bound √(6 / fan-in)), so activations keep
    /// their scale through the ReLUs, and small biases.
    init(widths: [Int] = DenseMLP.defaultWidths, seed: UInt64) {
        precondition(widths.count >= 2 && widths.allSatisfy { $0 > 0 }, "an MLP needs at least two positive widths")
        self.widths = widths
        var generator = SeededGenerator(seed: seed)
        layers = (0..<(widths.count - 1)).map { l in
            let fanIn = widths[l], fanOut = widths[l + 1]
            let bound = Float((6.0 / Double(fanIn)).squareRoot())
            let weights = (0..<(fanIn * fanOut)).map { _ in Float.random(in: -bound...bound, using: &generator) }
            let biases = (0..<fanOut).map { _ in Float.random(in: -0.01...0.01, using: &generator) }
            return (weights, biases)
        }
    }

    /// The number of weights and biases.
    var parameterCount: Int { layers.reduce(0) { $0 + $1.weights.count + $1.biases.count } }

    /// Multiply–adds per sample.
    var multiplyAddsPerSample: Int { zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 } }

    /// The inference graph: input `"input"` `[N, widths.first]`, output `"output"` `[N, widths.last]`.
    func onnxModel() -> ONNXModel {
        var nodes: [ONNXNode] = []
        var initializers: [ONNXTensor] = []
        var x = "input"
        for (l, layer) in layers.enumerated() {
            let w = "fc\(l).weight", b = "fc\(l).bias"
            initializers.append(ONNXTensor(name: w, dims: [Int64(widths[l + 1]), Int64(widths[l])], floats: layer.weights))
            initializers.append(ONNXTensor(name: b, dims: [Int64(widths[l + 1])], floats: layer.biases))
            let last = l == layers.count - 1
            let y = last ? "output" : "fc\(l)"
            nodes.append(ONNXNode(name: "fc\(l)", opType: "Gemm", inputs: [x, w, b], outputs: [y],
                                  attributes: [ONNXAttribute(name: "transB", .int(1))]))
            x = y
            if !last {
                let r = "relu\(l)"
                nodes.append(ONNXNode(name: r, opType: "Relu", inputs: [x], outputs: [r]))
                x = r
            }
        }
        let graph = ONNXGraph(
            name: "dense-mlp", nodes: nodes, initializers: initializers,
            inputs: [ONNXValueInfo(name: "input", elementType: .float, shape: [.parameter("N"), .value(Int64(widths[0]))])],
            outputs: [ONNXValueInfo(name: "output", elementType: .float,
                                    shape: [.parameter("N"), .value(Int64(widths[widths.count - 1]))])])
        return ONNXModel(opsetImports: [.init(version: 17)], producerName: "tandem-bench", graph: graph)
    }
}
