import ONNX

/// The forms tf2onnx writes for DiffusionResNet built in Keras
/// (`scripts/reference/keras_tf2onnx_export.py`), where they differ from TandemONNX's and
/// PyTorch's:
///
/// - with one channel, the NHWC ↔ NCHW `Transpose`s of the input and the output are
///   `Reshape`s (the same bytes), to `[-1, 1, H, W]` and `[-1, H, W, 1]`;
/// - batch normalisation is Keras' inference formula folded into constants,
///   `Add(Mul(x, γ / √(v + ε)), β − μ γ / √(v + ε))`, each a per-channel vector shaped
///   `[1, C, 1, 1]` (or with fewer leading ones); without the `Add` when that offset is zero;
/// - a convolution's bias may be a separate `Add` of such a vector after it;
/// - a transposed convolution whose full output is shorter than the grid (kernel 1,
///   stride 2) has negative end pads instead of `output_padding`.
///
/// Every constant is checked: shapes here, values against the grid and channels later.
extension DiffusionResNetMatcher {
    /// The layout of the network's input: its channels, grid and the batch dimension.
    typealias Grid = (channels: Int64, height: Int64, width: Int64, batch: ONNXValueInfo.Dimension)

    /// The NCHW value the graph's NHWC `output` is computed from: a `Transpose` with perm
    /// `[0, 2, 3, 1]`, or with one channel a `Reshape` to `[N, H, W, 1]`.
    func toNHWC(_ output: String, _ grid: Grid) throws(Mismatch) -> String {
        try layoutChange(output, perm: [0, 2, 3, 1], reshaped: [grid.height, grid.width, 1], grid)
    }

    /// The NHWC value `x` is computed from: a `Transpose` with perm `[0, 3, 1, 2]`, or with
    /// one channel a `Reshape` to `[N, 1, H, W]`.
    func toNCHW(_ x: String, _ grid: Grid) throws(Mismatch) -> String {
        try layoutChange(x, perm: [0, 3, 1, 2], reshaped: [1, grid.height, grid.width], grid)
    }

    private func layoutChange(_ value: String, perm: [Int64], reshaped: [Int64], _ grid: Grid) throws(Mismatch) -> String {
        let what = perm == [0, 2, 3, 1] ? "the output is not transposed to NHWC" : "the input is not transposed to NCHW"
        guard let producer = constants.producer(of: value) else { throw Mismatch(what) }
        if producer.opType == "Reshape" {
            let n = try node(value, "Reshape")
            guard grid.channels == 1, n.inputs.count == 2, let target = constants.ints(n.inputs[1]), target.shape == [4],
                  Array(target.values.dropFirst()) == reshaped else {
                throw Mismatch("\(what) (Reshape '\(n.name)' is not one with one channel)")
            }
            // The batch: inferred (-1), copied (0 without allowzero), or the fixed batch size.
            let batch = target.values[0]
            guard batch == -1 || (batch == 0 && (n.attribute("allowzero")?.int ?? 0) == 0) || grid.batch == .value(batch) else {
                throw Mismatch("\(what) (Reshape '\(n.name)' changes the batch)")
            }
            return n.inputs[0]
        }
        let n = try node(value, "Transpose")
        guard n.inputs.count == 1, n.attribute("perm")?.ints == perm else { throw Mismatch(what) }
        return n.inputs[0]
    }

    /// A constant per-channel vector of an NCHW tensor: float values whose shape, padded
    /// with leading ones to rank 4, is `[1, C, 1, 1]`.
    func channelVector(_ value: String) -> [Float]? {
        guard let tensor = constants.floats(value), tensor.dims.count <= 4 else { return nil }
        let dims = [Int](repeating: 1, count: 4 - tensor.dims.count) + tensor.dims
        guard dims[0] == 1, dims[2] == 1, dims[3] == 1, dims[1] >= 1 else { return nil }
        return tensor.values
    }

    /// `value` computed as `op(x, vector)` (either order) of a per-channel vector: `x` and
    /// the vector, else `nil`.
    private func vectorOperation(_ op: String, _ value: String) -> (String, [Float])? {
        guard let n = constants.producer(of: value), n.opType == op, n.domain.isEmpty || n.domain == "ai.onnx",
              n.inputs.count == 2, n.outputs.first == value else { return nil }
        if let vector = channelVector(n.inputs[1]), constants.producer(of: n.inputs[0]) != nil { return (n.inputs[0], vector) }
        if let vector = channelVector(n.inputs[0]), constants.producer(of: n.inputs[1]) != nil { return (n.inputs[1], vector) }
        return nil
    }

    /// A convolution's bias added after it: when `value` is `Add(c, vector)` and `c` comes
    /// from a `Conv` (or a `ConvTranspose` when `transposed`, possibly through its crops),
    /// `c` and the vector; otherwise `value` itself and `nil`.
    func separateBias(_ value: String, transposed: Bool) -> (String, [Float]?) {
        guard let (x, vector) = vectorOperation("Add", value) else { return (value, nil) }
        var producer = constants.producer(of: x)
        while transposed, let slice = producer, slice.opType == "Slice", let input = slice.inputs.first {
            producer = constants.producer(of: input)
        }
        guard producer?.opType == (transposed ? "ConvTranspose" : "Conv") else { return (value, nil) }
        return (x, vector)
    }

    /// Keras' batch normalisation as tf2onnx folds it, `Add(Mul(x, scale), offset)` or
    /// `Mul(x, scale)`, as a ``NormMatch`` computing the same (mean 0, variance 1, ε 0).
    func affineNorm(_ value: String) throws(Mismatch) -> (NormMatch, String) {
        var product = value
        var offset: [Float]?
        if let (x, vector) = vectorOperation("Add", value) {
            product = x
            offset = vector
        }
        let mul = try node(product, "Mul")
        guard let (x, scale) = vectorOperation("Mul", product) else {
            throw Mismatch("Mul '\(mul.name)' is not a batch normalisation (no constant per-channel scale)")
        }
        let channels = scale.count
        guard offset == nil || offset!.count == channels else {
            throw Mismatch("the batch normalisation at '\(value)' has \(channels) scales and \(offset!.count) offsets")
        }
        let norm = NormMatch(scale: scale, offset: offset ?? [Float](repeating: 0, count: channels),
                             mean: [Float](repeating: 0, count: channels), variance: [Float](repeating: 1, count: channels), epsilon: 0)
        return (norm, x)
    }
}
