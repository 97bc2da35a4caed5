import ONNX

extension ONNXModel {
    /// The same model with every negative end pad of a `ConvTranspose` written as
    /// `output_padding` instead (both add output rows and columns past the full transposed
    /// convolution, holding the bias only).
    ///
    /// tf2onnx writes negative end pads for Keras' "same" transposed convolutions whose
    /// kernel is smaller than their stride; onnxruntime 1.32 refuses them (1.26 ran them) and
    /// accept this form. Negative leading pads (a shift) have no such form and are kept.
    ///
    /// ```swift
    /// let forOnnxruntime = try ONNXModel(serialized: bytes).withOutputPaddingForNegativePads().serialized()
    /// ```
    public func withOutputPaddingForNegativePads() -> ONNXModel {
        var copy = self
        for i in copy.graph.nodes.indices where copy.graph.nodes[i].opType == "ConvTranspose" {
            let node = copy.graph.nodes[i]
            guard let pads = node.attribute("pads")?.ints, pads.count == 4, pads[2] < 0 || pads[3] < 0 else { continue }
            let old = node.attribute("output_padding")?.ints ?? [0, 0]
            guard old.count == 2 else { continue }
            let extra = [old[0] + max(-pads[2], 0), old[1] + max(-pads[3], 0)]
            copy.graph.nodes[i].attributes.removeAll { $0.name == "pads" || $0.name == "output_padding" }
            copy.graph.nodes[i].attributes += [ONNXAttribute(name: "pads", .ints([pads[0], pads[1], max(pads[2], 0), max(pads[3], 0)])),
                                               ONNXAttribute(name: "output_padding", .ints(extra))]
        }
        return copy
    }
}
