import ONNX
import TandemNN

extension ONNXGraphBuilder {
    /// A ``ResBlock``'s inference graph: `BN2(SELU(conv2(BN1(SELU(conv1(x)))) + shortcut(x)))`.
    public mutating func resBlock<S: NNScalar>(_ block: ResBlock<Conv2D<S>>, _ x: Value) -> Value {
        var a = conv2D(block.conv1, x)
        a = batchNormalization(block.norm1, selu(a))
        a = conv2D(block.conv2, a)
        let b = conv2D(block.shortcut, x)
        return batchNormalization(block.norm2, selu(add(a, b)))
    }

    /// A transposed ``ResBlock``'s inference graph onto the `outputSize` grid.
    public mutating func resBlock<S: NNScalar>(_ block: ResBlock<Conv2DTranspose<S>>, _ x: Value,
                                               outputSize: (height: Int, width: Int)) -> Value {
        var a = conv2DTranspose(block.conv1, x, outputSize: outputSize)
        a = batchNormalization(block.norm1, selu(a))
        a = conv2DTranspose(block.conv2, a)
        let b = conv2DTranspose(block.shortcut, x, outputSize: outputSize)
        return batchNormalization(block.norm2, selu(add(a, b)))
    }
}

extension DiffusionResNet {
    /// The network's inference graph as an ONNX model for `height × width` inputs: input
    /// `"input"` and output `"output"`, both float32 `[N, H, W, channels]` (NHWC, dynamic
    /// batch), exactly what ``Predictor`` computes (Documentation/HeatDiffusion.md, "DiffusionResNet"; dropout left out,
    /// batch normalisation with moving statistics). Opset ``ONNXGraphBuilder/opsetVersion``.
    ///
    /// ```swift
    /// let bytes = model.onnxModel(height: 64, width: 64).serialized()
    /// try client.setModel("surrogate", model: bytes, backend: .onnx)
    /// ```
    ///
    /// - Precondition: `height` and `width` are positive.
    public func onnxModel(height: Int, width: Int, producerVersion: String = "") -> ONNXModel {
        precondition(height > 0 && width > 0, "ONNX export needs a positive input size")
        var builder = ONNXGraphBuilder(name: architecture)
        let x = builder.input(name: "input", height: height, width: width, channels: channels)
        var levels = [x]
        for encoder in encoders { levels.append(builder.resBlock(encoder, levels[levels.count - 1])) }
        func size(_ level: Int) -> (height: Int, width: Int) { (levels[level].height, levels[level].width) }
        var z = builder.resBlock(decoders[0], levels[depth], outputSize: size(depth - 1))
        for i in 1..<depth {
            let level = depth - i
            let skip = builder.selu(builder.conv2D(skips[level], levels[level]))
            let joined = builder.selu(builder.add(z, skip))
            z = builder.resBlock(decoders[i], joined, outputSize: size(level - 1))
        }
        let skip = builder.selu(builder.conv2D(skips[0], x))
        z = builder.selu(builder.add(skip, z))
        builder.output(builder.batchNormalization(outputNorm, z), name: "output")
        return builder.model(producerVersion: producerVersion)
    }
}
