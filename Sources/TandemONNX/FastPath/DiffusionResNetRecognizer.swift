import ONNX
import TandemNN

/// Recognizes an ONNX graph that computes a ``DiffusionResNet`` and rebuilds the network
/// from the graph's weights, so TandemNN's fused ``Predictor`` can run it instead of the
/// general runtime.
///
/// The match is structural and exact: starting from the graph's single output it walks
/// back through every node the output depends on and expects, operator by operator, the
/// network's inference graph (NHWC → NCHW `Transpose`, residual blocks of `Conv`,
/// `Selu`, `BatchNormalization` and `Add`, transposed blocks of `ConvTranspose`, the
/// skip convolutions and joins, the output normalisation, NCHW → NHWC `Transpose`).
/// Then, knowing the input grid, it checks every attribute and weight shape against what
/// TandemNN computes: kernel sizes and strides, "same" padding (written as `pads`, or as
/// a `Pad` node before the convolution), transposed convolutions landing on the grid of
/// the level they meet (`pads` and `output_padding`, or `Slice` nodes after them),
/// default SELU constants, inference-mode batch normalisation. TandemONNX's export
/// (``DiffusionResNet/onnxModel(height:width:producerVersion:)``), PyTorch's export of
/// the same network and tf2onnx's export of it built in Keras (whose forms are in
/// DiffusionResNetRecognizer+tf2onnx.swift) match. Anything else is
/// ``Outcome/notRecognized(_:)`` with the first difference found, and runs on the
/// general runtime.
///
/// ```swift
/// if case .recognized(let network) = DiffusionResNetRecognizer.recognize(model) {
///     let predictor = Predictor(model: network.model, threads: 2)
/// }
/// ```
public enum DiffusionResNetRecognizer {
    /// A recognized network and the input it was exported for.
    public struct Network: @unchecked Sendable {
        /// The network, with the graph's weights (batch normalisation's epsilon folded into
        /// the variances when it differs from TandemNN's).
        public let model: DiffusionResNet<Float>
        /// The graph's input and output names.
        public let inputName: String, outputName: String
        /// The declared input grid.
        public let height: Int, width: Int
        /// The declared batch size when the graph fixes it (`nil`: any batch).
        public let batch: Int?
    }

    /// What ``recognize(_:)`` found.
    public enum Outcome: @unchecked Sendable {
        case recognized(Network)
        /// Why not (the first mismatch).
        case notRecognized(String)
    }

    /// Matches `model` against DiffusionResNet's inference graph.
    public static func recognize(_ model: ONNXModel) -> Outcome {
        do throws(Mismatch) {
            return .recognized(try DiffusionResNetMatcher(model).network())
        } catch {
            return .notRecognized(error.reason)
        }
    }
}

/// The first difference between a graph and DiffusionResNet's.
struct Mismatch: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// A convolution found in the graph: the node, the value it reads before any `Pad`, the
/// padding of that `Pad` (NCHW begins then ends), the `Slice`s after it, in order, and
/// the bias when a separate `Add` after it adds one (tf2onnx's form).
struct ConvMatch {
    let node: ONNXNode
    let source: String
    let prePad: [Int64]?
    let slices: [SliceMatch]
    var addedBias: [Float]? = nil
}

/// One `Slice` after a transposed convolution: axis, start, end (as written).
struct SliceMatch {
    let axis: Int
    let start: Int64
    let end: Int64
}

/// A batch normalisation node's parameters and epsilon.
struct NormMatch {
    let scale: [Float], offset: [Float], mean: [Float], variance: [Float]
    let epsilon: Float
}

/// A residual block: conv1 → SELU → BN1 → conv2, plus the 1×1 shortcut, → SELU → BN2.
struct BlockMatch {
    let conv1: ConvMatch, norm1: NormMatch, conv2: ConvMatch, shortcut: ConvMatch, norm2: NormMatch
    var source: String { conv1.source }
}

/// The work of ``DiffusionResNetRecognizer``: one model's graph matched against DiffusionResNet's.
struct DiffusionResNetMatcher {
    let graph: ONNXGraph
    let constants: GraphConstants
    let opset: Int64

    init(_ model: ONNXModel) {
        graph = model.graph
        constants = GraphConstants(model.graph)
        opset = model.defaultOpsetVersion ?? 0
    }

    // MARK: - Structure (backwards from the output)

    func network() throws(Mismatch) -> DiffusionResNetRecognizer.Network {
        guard opset >= 1 else { throw Mismatch("no standard operator set") }
        let inputs = graph.inputs.filter { !constants.isInitializer($0.name) }
        guard inputs.count == 1, graph.outputs.count == 1 else { throw Mismatch("not one input and one output") }
        let input = inputs[0]
        guard input.elementType == .float, let shape = input.shape, shape.count == 4 else {
            throw Mismatch("the input is not a float32 tensor of rank 4")
        }
        guard case .value(let h) = shape[1], case .value(let w) = shape[2], case .value(let c) = shape[3],
              (1...65_536).contains(h), (1...65_536).contains(w), (1...4096).contains(c) else {
            throw Mismatch("the input's grid and channels are not fixed")
        }
        var batch: Int?
        if case .value(let n) = shape[0] {
            guard n >= 1, let b = Int(exactly: n) else { throw Mismatch("the input's batch size is not positive") }
            batch = b
        }

        // out = Transpose(BN(SELU(S0(x)' + z))), S0' = SELU(S0(x)).
        let output = graph.outputs[0].name
        let grid = (channels: c, height: h, width: w, batch: shape[0])
        let (outputNorm, joined) = try norm(try toNHWC(output, grid))
        let (p, q) = try add(selu(joined))
        // One side is SELU(skip conv of x), the other the last decoder block.
        let (skip0, top) = constants.producer(of: p)?.opType == "Selu" ? (p, q) : (q, p)
        let skip0Conv = try conv(selu(skip0), transposed: false)
        let x = skip0Conv.source
        guard try toNCHW(x, grid) == input.name else {
            throw Mismatch("the first skip convolution does not read the NHWC input transposed to NCHW")
        }

        // The decoder chain, last block first: z_d = D_d(J_1), J = SELU(z + SELU(S(level))).
        var decoders: [BlockMatch] = []
        var skips: [ConvMatch] = []
        var z = top
        while true {
            guard decoders.count < 32 else { throw Mismatch("more than 32 decoder blocks") }
            let block = try self.block(z, transposed: true)
            decoders.append(block)
            guard constants.producer(of: block.source)?.opType == "Selu" else { break }
            let (a, b) = try add(selu(block.source))
            let (skipSide, previous) = constants.producer(of: a)?.opType == "Selu" ? (a, b) : (b, a)
            skips.append(try conv(selu(skipSide), transposed: false))
            z = previous
        }
        decoders.reverse()   // D_1 … D_d; skips were found S_1 … S_{d−1}
        let depth = decoders.count

        // The encoder chain from the deepest level back to x: levels[i] = E_i(levels[i−1]).
        var encoders: [BlockMatch] = []
        var level = decoders[0].source
        var levels: [String] = [level]
        while level != x {
            guard encoders.count < depth else { throw Mismatch("the encoder chain does not reach the input in \(depth) blocks") }
            let block = try self.block(level, transposed: false)
            encoders.append(block)
            level = block.source
            levels.append(level)
        }
        encoders.reverse()   // E_1 … E_d
        levels.reverse()     // x, levels[1] … levels[d]
        guard encoders.count == depth else { throw Mismatch("\(encoders.count) encoder blocks for \(depth) decoder blocks") }
        for (i, skip) in skips.enumerated() where skip.source != levels[i + 1] {
            throw Mismatch("skip convolution \(i + 1) does not read encoder level \(i + 1)")
        }

        // MARK: Weights and geometry (forwards, now that the grid is known)
        let channels = Int(c)
        guard depth <= 12, channels << depth <= 1 << 16 else { throw Mismatch("depth \(depth) with \(channels) channels is too large") }
        // Every kernel's shape first: the network is only built (and allocated) for weights the graph holds.
        for i in 1...depth {
            let (inner, outer) = (channels << i, channels << (i - 1))
            try expect(encoders[i - 1].conv1, [inner, outer, 3, 3])
            try expect(encoders[i - 1].conv2, [inner, inner, 3, 3])
            try expect(encoders[i - 1].shortcut, [inner, outer, 1, 1])
            let (wide, narrow) = (channels << (depth - i + 1), channels << (depth - i))
            try expect(decoders[i - 1].conv1, [wide, narrow, 3, 3])
            try expect(decoders[i - 1].conv2, [narrow, narrow, 3, 3])
            try expect(decoders[i - 1].shortcut, [wide, narrow, 1, 1])
            try expect(i == 1 ? skip0Conv : skips[i - 2], [outer, outer, 3, 3])
        }
        let network = DiffusionResNet<Float>(depth: depth, channels: channels, seed: 0)
        var size = (height: Int(h), width: Int(w))
        var sizes = [size]
        for i in 0..<depth {
            size = try load(encoders[i], into: network.encoders[i], input: size, outputSize: nil)
            sizes.append(size)
        }
        for i in 0..<depth {
            let expected = try load(i == 0 ? skip0Conv : skips[i - 1], into: network.skips[i], input: sizes[i])
            guard expected == sizes[i] else { throw Mismatch("skip convolution \(i) changes the grid") }
        }
        size = sizes[depth]
        for i in 0..<depth {
            size = try load(decoders[i], into: network.decoders[i], input: size, outputSize: sizes[depth - i - 1])
        }
        try load(outputNorm, into: network.outputNorm)
        return .init(model: network, inputName: input.name, outputName: output, height: Int(h), width: Int(w), batch: batch)
    }

    /// Checks that a convolution's weights are a constant of shape `dims` (ONNX layout).
    private func expect(_ match: ConvMatch, _ dims: [Int]) throws(Mismatch) {
        guard match.node.inputs.count >= 2, constants.floatDims(match.node.inputs[1]) == dims else {
            throw Mismatch("\(match.node.opType) '\(match.node.name)' does not have constant weights \(dims)")
        }
    }

    /// The node computing `value`, which must be `op` from the standard domain.
    func node(_ value: String, _ op: String) throws(Mismatch) -> ONNXNode {
        guard let node = constants.producer(of: value) else { throw Mismatch("'\(value)' is not computed by a \(op) node") }
        guard node.opType == op, node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw Mismatch("'\(value)' is computed by \(node.opType), not \(op)")
        }
        guard node.outputs.first == value, !node.inputs.isEmpty, !node.inputs[0].isEmpty else {
            throw Mismatch("\(op) node '\(node.name)' has an unexpected form")
        }
        return node
    }

    /// The input of the SELU (default constants) computing `value`.
    private func selu(_ value: String) throws(Mismatch) -> String {
        let n = try node(value, "Selu")
        let alpha = n.attribute("alpha")?.float ?? SELU<Float>.alpha
        let gamma = n.attribute("gamma")?.float ?? SELU<Float>.scale
        guard abs(alpha - SELU<Float>.alpha) <= 1e-6, abs(gamma - SELU<Float>.scale) <= 1e-6, n.inputs.count == 1 else {
            throw Mismatch("Selu '\(n.name)' does not use the default constants")
        }
        return n.inputs[0]
    }

    /// The two operands of the `Add` computing `value`.
    private func add(_ value: String) throws(Mismatch) -> (String, String) {
        let n = try node(value, "Add")
        guard n.inputs.count == 2, !n.inputs[1].isEmpty else { throw Mismatch("Add '\(n.name)' does not add two values") }
        return (n.inputs[0], n.inputs[1])
    }

    /// An inference-mode batch normalisation computing `value`, and its input: a
    /// `BatchNormalization`, or tf2onnx's `Mul` and `Add` of constants.
    private func norm(_ value: String) throws(Mismatch) -> (NormMatch, String) {
        if let producer = constants.producer(of: value), producer.opType == "Mul" || producer.opType == "Add" {
            return try affineNorm(value)
        }
        let n = try node(value, "BatchNormalization")
        guard n.inputs.count == 5, n.outputs.count == 1 || n.outputs.dropFirst().allSatisfy(\.isEmpty),
              (n.attribute("training_mode")?.int ?? 0) == 0, (n.attribute("spatial")?.int ?? 1) == 1 else {
            throw Mismatch("BatchNormalization '\(n.name)' is not in inference mode")
        }
        var vectors: [[Float]] = []
        for name in n.inputs[1...] {
            guard let tensor = constants.floats(name), tensor.dims.count == 1 else {
                throw Mismatch("BatchNormalization '\(n.name)' has a parameter that is not a constant vector")
            }
            vectors.append(tensor.values)
        }
        let epsilon = n.attribute("epsilon")?.float ?? 1e-5
        guard epsilon.isFinite, epsilon >= 0 else { throw Mismatch("BatchNormalization '\(n.name)' has epsilon \(epsilon)") }
        return (NormMatch(scale: vectors[0], offset: vectors[1], mean: vectors[2], variance: vectors[3], epsilon: epsilon), n.inputs[0])
    }

    /// The convolution computing `value`: a `Conv` (possibly reading a `Pad`), or a
    /// `ConvTranspose` (possibly followed by `Slice`s) when `transposed`; either possibly
    /// followed by an `Add` of its bias.
    private func conv(_ value: String, transposed: Bool) throws(Mismatch) -> ConvMatch {
        let (value, addedBias) = separateBias(value, transposed: transposed)
        var match = try plainConv(value, transposed: transposed)
        match.addedBias = addedBias
        return match
    }

    /// ``conv(_:transposed:)`` without a separate bias.
    private func plainConv(_ value: String, transposed: Bool) throws(Mismatch) -> ConvMatch {
        var value = value
        var slices: [SliceMatch] = []
        if transposed {
            while let n = constants.producer(of: value), n.opType == "Slice" {
                guard slices.count < 8 else { throw Mismatch("too many Slice nodes after a transposed convolution") }
                slices.append(try slice(n))
                value = n.inputs[0]
            }
            slices.reverse()
        }
        let n = try node(value, transposed ? "ConvTranspose" : "Conv")
        guard n.inputs.count >= 2, n.inputs.count <= 3 else { throw Mismatch("\(n.opType) '\(n.name)' has \(n.inputs.count) inputs") }
        var source = n.inputs[0]
        var prePad: [Int64]?
        if !transposed, let pad = constants.producer(of: source), pad.opType == "Pad" {
            prePad = try pads(pad)
            source = pad.inputs[0]
        }
        return ConvMatch(node: n, source: source, prePad: prePad, slices: slices)
    }

    /// The begins and ends of a zero `Pad` (attribute before opset 11, inputs from 11 on).
    private func pads(_ n: ONNXNode) throws(Mismatch) -> [Int64] {
        let mode = n.attribute("mode")?.string ?? "constant"
        guard mode == "constant", !n.inputs[0].isEmpty else { throw Mismatch("Pad '\(n.name)' is not a constant pad") }
        if opset < 11 {
            guard let pads = n.attribute("pads")?.ints, (n.attribute("value")?.float ?? 0) == 0 else {
                throw Mismatch("Pad '\(n.name)' does not pad with zeros")
            }
            return pads
        }
        guard n.inputs.count >= 2, n.inputs.count <= 3, let pads = constants.ints(n.inputs[1]), pads.shape.count == 1 else {
            throw Mismatch("Pad '\(n.name)' has amounts that are not constant")
        }
        if n.inputs.count == 3, !n.inputs[2].isEmpty {
            let floatZero: Bool? = constants.floats(n.inputs[2]).map { $0.values.allSatisfy { $0 == 0 } }
            let intZero: Bool? = constants.ints(n.inputs[2]).map { $0.values.allSatisfy { $0 == 0 } }
            let zero = floatZero ?? intZero ?? false
            guard zero else { throw Mismatch("Pad '\(n.name)' does not pad with zeros") }
        }
        return pads.values
    }

    /// A `Slice` on axis 2 or 3 with step 1 and constant bounds.
    private func slice(_ n: ONNXNode) throws(Mismatch) -> SliceMatch {
        guard opset >= 10, n.inputs.count >= 3, let starts = constants.ints(n.inputs[1]), let ends = constants.ints(n.inputs[2]),
              starts.values.count == 1, ends.values.count == 1 else {
            throw Mismatch("Slice '\(n.name)' is not one constant range")
        }
        let axes = n.inputs.count > 3 && !n.inputs[3].isEmpty ? constants.ints(n.inputs[3])?.values : [0]
        let steps = n.inputs.count > 4 && !n.inputs[4].isEmpty ? constants.ints(n.inputs[4])?.values : [1]
        guard let axes, let steps, axes.count == 1, steps == [1] else { throw Mismatch("Slice '\(n.name)' is not a unit-step range") }
        let axis = axes[0] < 0 ? axes[0] + 4 : axes[0]
        guard axis == 2 || axis == 3 else { throw Mismatch("Slice '\(n.name)' crops axis \(axes[0]), not the grid") }
        return SliceMatch(axis: Int(axis), start: starts.values[0], end: ends.values[0])
    }

    /// A residual block computing `value` (its output normalisation's output).
    private func block(_ value: String, transposed: Bool) throws(Mismatch) -> BlockMatch {
        let (norm2, activated) = try norm(value)
        let (a, b) = try add(selu(activated))
        var firstFailure: Mismatch?
        for (main, side) in [(a, b), (b, a)] {
            do throws(Mismatch) {
                let conv2 = try conv(main, transposed: transposed)
                let (norm1, activated1) = try norm(conv2.source)
                let conv1 = try conv(selu(activated1), transposed: transposed)
                let shortcut = try conv(side, transposed: transposed)
                guard shortcut.source == conv1.source else { throw Mismatch("the shortcut of block '\(value)' reads another value") }
                return BlockMatch(conv1: conv1, norm1: norm1, conv2: conv2, shortcut: shortcut, norm2: norm2)
            } catch {
                if firstFailure == nil { firstFailure = error }
            }
        }
        throw firstFailure!
    }

    // MARK: - Weights and geometry

    /// Loads a block's weights, checking each convolution's geometry; returns its output grid.
    private func load<Conv: Convolution>(_ match: BlockMatch, into block: ResBlock<Conv>, input: (height: Int, width: Int),
                                         outputSize: (height: Int, width: Int)?) throws(Mismatch) -> (height: Int, width: Int)
        where Conv.Scalar == Float {
        let out: (height: Int, width: Int)
        if let outputSize, let conv1 = block.conv1 as? Conv2DTranspose<Float>, let conv2 = block.conv2 as? Conv2DTranspose<Float>,
           let shortcut = block.shortcut as? Conv2DTranspose<Float> {
            try load(match.conv1, into: conv1, input: input, outputSize: outputSize)
            try load(match.conv2, into: conv2, input: outputSize, outputSize: outputSize)
            try load(match.shortcut, into: shortcut, input: input, outputSize: outputSize)
            out = outputSize
        } else if let conv1 = block.conv1 as? Conv2D<Float>, let conv2 = block.conv2 as? Conv2D<Float>,
                  let shortcut = block.shortcut as? Conv2D<Float> {
            out = try load(match.conv1, into: conv1, input: input)
            guard try load(match.conv2, into: conv2, input: out) == out, try load(match.shortcut, into: shortcut, input: input) == out else {
                throw Mismatch("a block's convolutions land on different grids")
            }
        } else {
            throw Mismatch("unexpected block layers")
        }
        try load(match.norm1, into: block.norm1)
        try load(match.norm2, into: block.norm2)
        return out
    }

    /// The weights and bias of `match` after checking its kernel, stride and options.
    private func weights(_ match: ConvMatch, dims expected: [Int], filters: Int, stride: Int) throws(Mismatch) -> (weights: [Float], bias: [Float]) {
        let n = match.node
        guard let w = constants.floats(n.inputs[1]), w.dims == expected else {
            throw Mismatch("\(n.opType) '\(n.name)' has weights that are not a constant \(expected)")
        }
        var bias = [Float](repeating: 0, count: filters)
        if n.inputs.count == 3, !n.inputs[2].isEmpty {
            guard let b = constants.floats(n.inputs[2]), b.dims == [filters] else { throw Mismatch("\(n.opType) '\(n.name)' has no constant bias [\(filters)]") }
            guard match.addedBias == nil else { throw Mismatch("\(n.opType) '\(n.name)' has a bias and an Add of another") }
            bias = b.values
        } else if let added = match.addedBias {
            guard added.count == filters else { throw Mismatch("the Add after \(n.opType) '\(n.name)' does not add a bias of \(filters) channels") }
            bias = added
        }
        let k = Int64(expected[2])
        guard (n.attribute("kernel_shape")?.ints ?? [k, k]) == [k, k], n.attribute("strides")?.ints ?? [1, 1] == [Int64(stride), Int64(stride)],
              (n.attribute("dilations")?.ints ?? [1, 1]) == [1, 1], (n.attribute("group")?.int ?? 1) == 1,
              (n.attribute("auto_pad")?.string ?? "NOTSET") == "NOTSET", n.attribute("output_shape") == nil else {
            throw Mismatch("\(n.opType) '\(n.name)' has a kernel, stride or option TandemNN does not compute")
        }
        return (w.values, bias)
    }

    /// Loads a "same" convolution over an `input` grid; returns its output grid.
    private func load(_ match: ConvMatch, into layer: Conv2D<Float>, input: (height: Int, width: Int)) throws(Mismatch) -> (height: Int, width: Int) {
        let k = layer.kernelSize, s = layer.stride
        let (w, bias) = try weights(match, dims: [layer.filters, layer.inputChannels, k, k], filters: layer.filters, stride: s)
        var pads = [Int](repeating: 0, count: 4)   // top, left, bottom, right
        if let attribute = match.node.attribute("pads")?.ints {
            guard attribute.count == 4, attribute.allSatisfy({ $0 >= 0 && $0 < 1 << 20 }) else {
                throw Mismatch("Conv '\(match.node.name)' has pads \(attribute)")
            }
            pads = attribute.map { Int(clamping: $0) }
        }
        if let pre = match.prePad {
            guard pre.count == 8, pre.allSatisfy({ $0 >= 0 && $0 < 1 << 20 }), pre[0] == 0, pre[1] == 0, pre[4] == 0, pre[5] == 0 else {
                throw Mismatch("a Pad before Conv '\(match.node.name)' pads more than the grid")
            }
            pads = [pads[0] + Int(clamping: pre[2]), pads[1] + Int(clamping: pre[3]), pads[2] + Int(clamping: pre[6]), pads[3] + Int(clamping: pre[7])]
        }
        let g = ConvGeometry(kernel: k, stride: s, bigHeight: input.height, bigWidth: input.width)
        guard pads.allSatisfy({ $0 >= 0 && $0 < k }), pads[0] == g.padTop, pads[1] == g.padLeft,
              (input.height + pads[0] + pads[2] - k) / s + 1 == g.smallHeight, (input.width + pads[1] + pads[3] - k) / s + 1 == g.smallWidth,
              input.height + pads[0] + pads[2] >= k, input.width + pads[1] + pads[3] >= k else {
            throw Mismatch("Conv '\(match.node.name)' does not pad as a \"same\" convolution on \(input.height)×\(input.width)")
        }
        // ONNX [out, in, kh, kw] → Keras [kh, kw, in, out].
        let a = layer.inputChannels, b = layer.filters, kernel = layer.kernel.pointer
        for o in 0..<b { for i in 0..<a { for y in 0..<k { for x in 0..<k {
            kernel[((y * k + x) * a + i) * b + o] = w[((o * a + i) * k + y) * k + x]
        } } } }
        layer.bias.values = bias
        return (g.smallHeight, g.smallWidth)
    }

    /// Loads a transposed convolution mapping `input` onto `outputSize`.
    private func load(_ match: ConvMatch, into layer: Conv2DTranspose<Float>, input: (height: Int, width: Int),
                      outputSize: (height: Int, width: Int)) throws(Mismatch) {
        let k = layer.kernelSize, s = layer.stride
        let (w, bias) = try weights(match, dims: [layer.inputChannels, layer.filters, k, k], filters: layer.filters, stride: s)
        let g = ConvGeometry(kernel: k, stride: s, bigHeight: outputSize.height, bigWidth: outputSize.width)
        guard g.smallHeight == input.height, g.smallWidth == input.width else {
            throw Mismatch("ConvTranspose '\(match.node.name)' cannot map \(input.height)×\(input.width) onto \(outputSize.height)×\(outputSize.width)")
        }
        let pads = match.node.attribute("pads")?.ints ?? [0, 0, 0, 0]
        let extra = match.node.attribute("output_padding")?.ints ?? [0, 0]
        // Negative pads (tf2onnx's, where the full output is shorter than the grid) add rows and columns of bias.
        guard pads.count == 4, extra.count == 2, pads.allSatisfy({ $0 > -(1 << 20) && $0 < 1 << 20 }), extra.allSatisfy({ $0 >= 0 && $0 < s }) else {
            throw Mismatch("ConvTranspose '\(match.node.name)' has unexpected pads")
        }
        // Per grid axis: the first full-output index kept and how many are kept.
        var offset = [Int(pads[0]), Int(pads[1])]
        var length = [s * (input.height - 1) + k - Int(pads[0] + pads[2]) + Int(extra[0]),
                      s * (input.width - 1) + k - Int(pads[1] + pads[3]) + Int(extra[1])]
        for slice in match.slices {
            let a = slice.axis - 2, dim = Int64(length[a])
            let begin = min(max(slice.start < 0 ? slice.start + dim : slice.start, 0), dim)
            let end = min(max(slice.end < 0 ? slice.end + dim : slice.end, 0), dim)
            offset[a] += Int(begin)
            length[a] = Int(max(end - begin, 0))
        }
        guard offset == [g.padTop, g.padLeft], length == [outputSize.height, outputSize.width] else {
            throw Mismatch("ConvTranspose '\(match.node.name)' does not land on the \(outputSize.height)×\(outputSize.width) grid as TandemNN's does")
        }
        // ONNX [in, out, kh, kw] → Keras [kh, kw, out, in].
        let a = layer.inputChannels, b = layer.filters, kernel = layer.kernel.pointer
        for i in 0..<a { for o in 0..<b { for y in 0..<k { for x in 0..<k {
            kernel[((y * k + x) * b + o) * a + i] = w[((i * b + o) * k + y) * k + x]
        } } } }
        layer.bias.values = bias
    }

    /// Loads a batch normalisation, folding the graph's epsilon into the variance.
    private func load(_ match: NormMatch, into layer: BatchNormalization<Float>) throws(Mismatch) {
        let c = layer.channels
        guard match.scale.count == c, match.offset.count == c, match.mean.count == c, match.variance.count == c else {
            throw Mismatch("a BatchNormalization has \(match.scale.count) channels, not \(c)")
        }
        // TandemNN divides by √(v + ε_T); the graph by √(v + ε): v' = v + ε − ε_T.
        let variance = match.variance.map { Float(Double($0) + Double(match.epsilon) - Double(layer.epsilon)) }
        guard zip(variance, match.variance).allSatisfy({ $0.0 + layer.epsilon > 0 && $0.1.isFinite }) else {
            throw Mismatch("a BatchNormalization has a variance TandemNN cannot fold")
        }
        layer.gamma.values = match.scale
        layer.beta.values = match.offset
        layer.movingMean.values = match.mean
        layer.movingVariance.values = variance
    }
}
