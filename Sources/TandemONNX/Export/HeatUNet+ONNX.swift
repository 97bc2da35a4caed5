import ONNX
import TandemNN

extension ONNXGraphBuilder {
    /// ``DirichletOutput``'s graph, `out = s + m·y − s·m·y` (that is `s + (1 − s)·m·y`), with
    /// the interior mask `m` of the `s` grid as a `[1, 1, H, W]` initializer broadcast over
    /// the batch: `Mul`, `Mul`, `Sub`, `Add`.
    public mutating func dirichletOutput(sources s: Value, field y: Value) -> Value {
        precondition(s.channels == y.channels && s.height == y.height && s.width == y.width, "DirichletOutput: shapes differ")
        let mask = (0..<(s.height * s.width)).map { i -> Float in
            DirichletOutput<Float>.isInterior(y: i / s.width, x: i % s.width, height: s.height, width: s.width) ? 1 : 0
        }
        let m = constant("interior_mask", dims: [1, 1, s.height, s.width], mask)
        let my = binary("Mul", y.name, m, like: y)
        let smy = binary("Mul", my.name, s.name, like: y)
        let free = binary("Sub", my.name, smy.name, like: y)
        return binary("Add", s.name, free.name, like: y)
    }
}

extension HeatUNet {
    /// The network's graph as an ONNX model for `height × width` inputs: input `"input"` and
    /// output `"output"`, both float32 `[N, H, W, 1]` (NHWC, dynamic batch), what
    /// ``HeatUNet/forward(_:context:)`` computes. Only `Conv`, `ConvTranspose`, `Selu`,
    /// `Add`, `Mul`, `Sub` and `Transpose` (opset ``ONNXGraphBuilder/opsetVersion``).
    ///
    /// - Precondition: `height` and `width` are at least `2^levels`.
    public func onnxModel(height: Int, width: Int, producerVersion: String = "") -> ONNXModel {
        precondition(min(height, width) >= 1 << levels, "\(architecture) needs at least \(1 << levels) points per side")
        var builder = ONNXGraphBuilder(name: architecture)
        let x = builder.input(name: "input", height: height, width: width, channels: 1)
        var skipValues: [ONNXGraphBuilder.Value] = []
        var current = x
        for l in 0...levels {
            let e = builder.selu(builder.conv2D(downs[l], current))
            current = builder.selu(builder.conv2D(skips[l], e))
            skipValues.append(current)
        }
        var z = current
        for l in stride(from: levels - 1, through: 0, by: -1) {
            let target = skipValues[l]
            let up = builder.conv2DTranspose(ups[l], z, outputSize: (target.height, target.width))
            let joined = builder.selu(builder.add(up, target))
            z = builder.selu(builder.conv2D(merges[l], joined))
        }
        let y = builder.conv2D(head, z)
        builder.output(builder.dirichletOutput(sources: x, field: y), name: "output")
        return builder.model(producerVersion: producerVersion)
    }
}
