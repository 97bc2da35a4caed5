import ONNX
import TandemNN

/// Builds an ONNX inference graph from TandemNN layers, one call per layer, in the order a
/// forward pass applies them: weights become initializers, batch normalisation uses its
/// moving statistics, dropout is left out (it is the identity in inference).
///
/// Values flow as NCHW tensors (ONNX's layout); ``input(name:height:width:channels:)``
/// and ``output(_:name:)`` put the NHWC ↔ NCHW transposes inside the graph, so the model's
/// public input and output are Keras-shaped `[N, H, W, C]` with a dynamic batch `N`.
///
/// ```swift
/// var builder = ONNXGraphBuilder(name: "tiny")
/// var x = builder.input(name: "input", height: 32, width: 32, channels: 1)
/// x = builder.conv2D(conv, x)
/// x = builder.selu(x)
/// builder.output(x, name: "output")
/// let model = builder.model()
/// ```
public struct ONNXGraphBuilder {
    /// A value in the graph under construction: its name and its NCHW size.
    public struct Value: Sendable, Equatable {
        public let name: String
        public let channels: Int
        public let height: Int
        public let width: Int
    }

    /// The standard operator set version the exported models state.
    public static let opsetVersion: Int64 = 17

    private var graph: ONNXGraph
    private var counter = 0

    /// Starts an empty graph called `name`.
    public init(name: String) {
        graph = ONNXGraph(name: name, nodes: [], initializers: [], inputs: [], outputs: [])
    }

    /// Declares a float32 input `[N, H, W, C]` and returns it transposed to NCHW.
    public mutating func input(name: String, height: Int, width: Int, channels: Int) -> Value {
        graph.inputs.append(ONNXValueInfo(name: name, elementType: .float,
                                          shape: [.parameter("N"), .value(Int64(height)), .value(Int64(width)), .value(Int64(channels))]))
        let out = fresh("input_nchw")
        graph.nodes.append(ONNXNode(name: out, opType: "Transpose", inputs: [name], outputs: [out],
                                    attributes: [ONNXAttribute(name: "perm", .ints([0, 3, 1, 2]))]))
        return Value(name: out, channels: channels, height: height, width: width)
    }

    /// Transposes `value` back to NHWC and declares it as the float32 output `name`.
    public mutating func output(_ value: Value, name: String) {
        graph.nodes.append(ONNXNode(name: name, opType: "Transpose", inputs: [value.name], outputs: [name],
                                    attributes: [ONNXAttribute(name: "perm", .ints([0, 2, 3, 1]))]))
        graph.outputs.append(ONNXValueInfo(name: name, elementType: .float,
                                           shape: [.parameter("N"), .value(Int64(value.height)), .value(Int64(value.width)),
                                                   .value(Int64(value.channels))]))
    }

    /// A "same" convolution as ``Conv2D`` computes it, with TensorFlow's padding written
    /// out as explicit `pads` (for stride 2 on even sizes the extra row and column are at
    /// the end, which ONNX's symmetric defaults would not give).
    public mutating func conv2D<Scalar: NNScalar>(_ layer: Conv2D<Scalar>, _ x: Value) -> Value {
        let g = ConvGeometry(kernel: layer.kernelSize, stride: layer.stride, bigHeight: x.height, bigWidth: x.width)
        let k = layer.kernelSize
        let padBottom = max((g.smallHeight - 1) * g.stride + k - g.bigHeight, 0) - g.padTop
        let padRight = max((g.smallWidth - 1) * g.stride + k - g.bigWidth, 0) - g.padLeft
        // Keras [kh, kw, in, out] → ONNX [out, in, kh, kw].
        let weights = reorder(layer.kernel, kernel: k, a: layer.inputChannels, b: layer.filters)
        let name = fresh("conv")
        let w = initializer(name + ".W", dims: [layer.filters, layer.inputChannels, k, k], weights)
        let b = initializer(name + ".B", dims: [layer.filters], layer.bias.values.map { Float($0) })
        graph.nodes.append(ONNXNode(name: name, opType: "Conv", inputs: [x.name, w, b], outputs: [name], attributes: [
            ONNXAttribute(name: "kernel_shape", .ints([Int64(k), Int64(k)])),
            ONNXAttribute(name: "strides", .ints([Int64(g.stride), Int64(g.stride)])),
            ONNXAttribute(name: "pads", .ints([g.padTop, g.padLeft, padBottom, padRight].map { Int64($0) })),
        ]))
        return Value(name: name, channels: layer.filters, height: g.smallHeight, width: g.smallWidth)
    }

    /// A transposed convolution as ``Conv2DTranspose`` computes it onto `outputSize`
    /// (default `input · stride`): the adjoint of the "same" convolution, so `pads` start
    /// with that convolution's leading padding and the end is trimmed with `pads` or
    /// extended with `output_padding` to land exactly on the output grid.
    public mutating func conv2DTranspose<Scalar: NNScalar>(_ layer: Conv2DTranspose<Scalar>, _ x: Value,
                                                           outputSize: (height: Int, width: Int)? = nil) -> Value {
        let size = outputSize ?? (x.height * layer.stride, x.width * layer.stride)
        let g = ConvGeometry(kernel: layer.kernelSize, stride: layer.stride, bigHeight: size.height, bigWidth: size.width)
        precondition(g.smallHeight == x.height && g.smallWidth == x.width,
                     "Conv2DTranspose cannot map \(x.height)x\(x.width) to \(size.height)x\(size.width)")
        let k = layer.kernelSize, s = layer.stride
        // ONNX: out = s·(in − 1) + k − padBegin − padEnd + outputPadding.
        func ends(_ input: Int, _ begin: Int, _ output: Int) -> (pad: Int, extra: Int) {
            let excess = s * (input - 1) + k - begin - output
            return excess >= 0 ? (excess, 0) : (0, -excess)
        }
        let rows = ends(x.height, g.padTop, size.height), columns = ends(x.width, g.padLeft, size.width)
        // Keras [kh, kw, out, in] → ONNX [in, out, kh, kw].
        let weights = reorder(layer.kernel, kernel: k, a: layer.filters, b: layer.inputChannels)
        let name = fresh("convT")
        let w = initializer(name + ".W", dims: [layer.inputChannels, layer.filters, k, k], weights)
        let b = initializer(name + ".B", dims: [layer.filters], layer.bias.values.map { Float($0) })
        var attributes = [
            ONNXAttribute(name: "kernel_shape", .ints([Int64(k), Int64(k)])),
            ONNXAttribute(name: "strides", .ints([Int64(s), Int64(s)])),
            ONNXAttribute(name: "pads", .ints([g.padTop, g.padLeft, rows.pad, columns.pad].map { Int64($0) })),
        ]
        if rows.extra != 0 || columns.extra != 0 {
            attributes.append(ONNXAttribute(name: "output_padding", .ints([Int64(rows.extra), Int64(columns.extra)])))
        }
        graph.nodes.append(ONNXNode(name: name, opType: "ConvTranspose", inputs: [x.name, w, b], outputs: [name], attributes: attributes))
        return Value(name: name, channels: layer.filters, height: size.height, width: size.width)
    }

    /// Batch normalisation with the layer's moving statistics.
    public mutating func batchNormalization<Scalar: NNScalar>(_ layer: BatchNormalization<Scalar>, _ x: Value) -> Value {
        let name = fresh("bn")
        let parameters = [layer.gamma, layer.beta, layer.movingMean, layer.movingVariance]
        let suffixes = [".scale", ".B", ".mean", ".var"]
        let inputs = zip(parameters, suffixes).map { parameter, suffix in
            initializer(name + suffix, dims: [layer.channels], parameter.values.map { Float($0) })
        }
        graph.nodes.append(ONNXNode(name: name, opType: "BatchNormalization", inputs: [x.name] + inputs, outputs: [name],
                                    attributes: [ONNXAttribute(name: "epsilon", .float(Float(layer.epsilon)))]))
        return Value(name: name, channels: x.channels, height: x.height, width: x.width)
    }

    /// SELU with ONNX's default constants (those of ``SELU``).
    public mutating func selu(_ x: Value) -> Value { unary("Selu", x) }

    /// `a + b` (same shapes).
    public mutating func add(_ a: Value, _ b: Value) -> Value {
        precondition(a.channels == b.channels && a.height == b.height && a.width == b.width, "Add: shapes differ")
        let name = fresh("add")
        graph.nodes.append(ONNXNode(name: name, opType: "Add", inputs: [a.name, b.name], outputs: [name]))
        return a.renamed(name)
    }

    /// A float32 initializer `name` (made unique) of shape `dims`; returns its name.
    public mutating func constant(_ name: String, dims: [Int], _ values: [Float]) -> String {
        precondition(dims.reduce(1, *) == values.count, "constant \(name): \(values.count) values for \(dims)")
        return initializer(fresh(name), dims: dims, values)
    }

    /// A broadcasting binary node (`Add`, `Sub`, `Mul`, `Div`) of two named values; the
    /// result has the size of `like`.
    public mutating func binary(_ op: String, _ a: String, _ b: String, like: Value) -> Value {
        let name = fresh(op.lowercased())
        graph.nodes.append(ONNXNode(name: name, opType: op, inputs: [a, b], outputs: [name]))
        return like.renamed(name)
    }

    /// The finished model: IR version 8, the standard opset ``opsetVersion``.
    public func model(producerVersion: String = "") -> ONNXModel {
        ONNXModel(irVersion: 8, opsetImports: [.init(version: Self.opsetVersion)], producerName: "TandemNN",
                  producerVersion: producerVersion, graph: graph)
    }

    private mutating func unary(_ op: String, _ x: Value) -> Value {
        let name = fresh(op.lowercased())
        graph.nodes.append(ONNXNode(name: name, opType: op, inputs: [x.name], outputs: [name]))
        return x.renamed(name)
    }

    private mutating func fresh(_ stem: String) -> String {
        counter += 1
        return "\(stem)_\(counter)"
    }

    private mutating func initializer(_ name: String, dims: [Int], _ values: [Float]) -> String {
        graph.initializers.append(ONNXTensor(name: name, dims: dims.map { Int64($0) }, floats: values))
        return name
    }

    /// A kernel `[k, k, a, b]` as `[b, a, k, k]`.
    private func reorder<Scalar: NNScalar>(_ kernel: Parameter<Scalar>, kernel k: Int, a: Int, b: Int) -> [Float] {
        let values = kernel.pointer
        var out = [Float](repeating: 0, count: k * k * a * b)
        for y in 0..<k {
            for x in 0..<k {
                for i in 0..<a {
                    for o in 0..<b {
                        out[((o * a + i) * k + y) * k + x] = Float(values[((y * k + x) * a + i) * b + o])
                    }
                }
            }
        }
        return out
    }
}

extension ONNXGraphBuilder.Value {
    fileprivate func renamed(_ name: String) -> Self { Self(name: name, channels: channels, height: height, width: width) }
}
