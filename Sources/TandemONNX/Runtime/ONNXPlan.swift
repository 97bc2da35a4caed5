import ONNX
import TandemNN

/// A validated, ordered graph: every value numbered, constants read, each node's operator
/// built (attributes checked), and whether samples can be split over threads.
struct ONNXPlan: @unchecked Sendable {
    struct Step {
        let op: Operator
        /// Value indices of the inputs (`nil` for an omitted optional input).
        let inputs: [Int?]
        let outputs: [Int]
    }

    /// The standard operators this runtime runs.
    static let operators: Set<String> = [
        "Conv", "ConvTranspose", "BatchNormalization", "Add", "Sub", "Mul", "Div", "Selu", "Relu", "LeakyRelu",
        "Sigmoid", "Tanh", "Transpose", "Identity", "Dropout", "Reshape", "Flatten", "Squeeze", "Unsqueeze",
        "Gemm", "MatMul", "Concat", "MaxPool", "AveragePool", "GlobalAveragePool", "Softmax", "Slice", "Pad",
        "Constant",
    ]

    var valueCount = 0
    /// Constant slots by value index (shared read-only by every replica).
    var constants: [Int: Slot] = [:]
    var steps: [Step] = []
    var inputs: [Int] = []
    var outputs: [Int] = []
    /// Declared input shapes (`nil` entries are dynamic dimensions).
    var inputShapes: [[Int?]?] = []
    /// Whether every operator treats samples (axis 0 of every graph input and output) independently.
    var separable = true

    init(_ model: ONNXModel) throws(ONNXError) {
        guard let opset = model.defaultOpsetVersion else { throw .unsupported("models without the standard operator set") }
        guard opset >= 1 else { throw .unsupported("opset \(opset)") }
        for o in model.opsetImports where !(o.domain.isEmpty || o.domain == "ai.onnx") && !o.domain.hasPrefix("ai.onnx.ml") {
            throw .unsupported("operator set domain '\(o.domain)'")
        }
        let graph = model.graph
        var index: [String: Int] = [:]
        func number(_ name: String) -> Int {
            if let i = index[name] { return i }
            index[name] = valueCount
            valueCount += 1
            return valueCount - 1
        }
        var known: [String: ConstantValue] = [:]
        for tensor in graph.initializers {
            guard !tensor.name.isEmpty else { throw .invalid("an initializer has no name") }
            known[tensor.name] = try ConstantValue(tensor)
        }
        // Inputs are the declared inputs that are not initializers (IR ≥ 4 may list both).
        var batched: Set<Int> = []
        for input in graph.inputs where known[input.name] == nil {
            guard input.elementType == .float else {
                throw .unsupported("input '\(input.name)' of type \(input.elementType.map { "\($0)" } ?? "unknown") (float32 inputs only)")
            }
            let i = number(input.name)
            inputs.append(i)
            let shape = input.shape.map { dims in dims.map { d -> Int? in if case .value(let v) = d, v > 0 { Int(v) } else { nil } } }
            inputShapes.append(shape)
            if let shape, let first = shape.first, first == nil { batched.insert(i) } else { separable = false }
        }
        guard !inputs.isEmpty else { throw .invalid("the graph has no inputs") }
        guard !graph.outputs.isEmpty else { throw .invalid("the graph has no outputs") }
        for (name, value) in known {
            let i = number(name)
            if case .floats(let values, let shape) = value { constants[i] = Slot(shape: shape, values: values) }
        }
        // Order the nodes: ONNX requires topological order, but some exporters do not keep it.
        var available = Set(index.keys)
        var pending = graph.nodes
        var ordered: [ONNXNode] = []
        while !pending.isEmpty {
            let before = pending.count
            pending.removeAll { node in
                guard node.inputs.allSatisfy({ $0.isEmpty || available.contains($0) }) else { return false }
                ordered.append(node)
                for output in node.outputs where !output.isEmpty { available.insert(output) }
                return true
            }
            if pending.count == before {
                let node = pending[0]
                let missing = node.inputs.first { !$0.isEmpty && !available.contains($0) } ?? "?"
                throw .invalid("node \(node.name.isEmpty ? node.opType : node.name) reads '\(missing)', which nothing produces (or the graph has a cycle)")
            }
        }
        var produced: Set<String> = Set(index.keys)
        for node in ordered {
            guard node.domain.isEmpty || node.domain == "ai.onnx" else { throw .unsupported("operator \(node.domain).\(node.opType)") }
            guard Self.operators.contains(node.opType) else { throw .unsupported("operator \(node.opType)") }
            for output in node.outputs where !output.isEmpty {
                guard produced.insert(output).inserted else { throw .invalid("value '\(output)' is produced twice") }
            }
            var reader = NodeReader(node: node, opset: opset, constants: known)
            if node.opType == "Constant" {
                guard let output = node.outputs.first, !output.isEmpty else { throw .invalid("\(reader.label) has no output") }
                known[output] = try Self.constant(&reader)
                try reader.finish()
                if case .floats(let values, let shape) = known[output]! { constants[number(output)] = Slot(shape: shape, values: values) }
                continue
            }
            let op = try Self.makeOperator(&reader)
            try reader.finish()
            // Integer operands (shapes, axes, pads) were read at plan time and have no slot.
            let inputIndices = node.inputs.map { name -> Int? in
                if name.isEmpty { return nil }
                if case .ints? = known[name] { return nil }
                return index[name]
            }
            let integerPositions: Set<Int> = ["Reshape": [1], "Squeeze": [1], "Unsqueeze": [1], "Slice": [1, 2, 3, 4],
                                              "Pad": [1, 3], "Dropout": [2]][node.opType] ?? []
            let required = ["Add", "Sub", "Mul", "Div", "MatMul", "Gemm"].contains(node.opType) ? 2 : 1
            for (position, name) in node.inputs.enumerated() where !name.isEmpty {
                if case .ints? = known[name], !integerPositions.contains(position) {
                    throw .unsupported("\(reader.label): integer tensor '\(name)' as input \(position) (float32 only)")
                }
            }
            for position in 0..<required where position >= node.inputs.count || inputIndices[position] == nil {
                throw .invalid("\(reader.label): input \(position) is missing")
            }
            let outputIndices = node.outputs.prefix(1).map { number($0) }
            steps.append(Step(op: op, inputs: inputIndices, outputs: outputIndices))
            if separable {
                separable = Self.keepsSamplesApart(node, op, inputIndices, known: known, batched: &batched, output: outputIndices[0])
            }
        }
        for output in graph.outputs {
            guard let i = index[output.name] else { throw .invalid("output '\(output.name)' is never produced") }
            guard constants[i] != nil || steps.contains(where: { $0.outputs.contains(i) }) || inputs.contains(i) else {
                throw .invalid("output '\(output.name)' is not a float tensor")
            }
            outputs.append(i)
            if !batched.contains(i) { separable = false }
        }
    }

    private static func makeOperator(_ reader: inout NodeReader) throws(ONNXError) -> Operator {
        let node = reader.node
        guard node.outputs.first.map({ !$0.isEmpty }) ?? false else { throw .invalid("\(reader.label) has no output") }
        let arity: ClosedRange<Int>
        switch node.opType {
        case "Conv", "ConvTranspose", "Gemm": arity = 2...3
        case "BatchNormalization": arity = 5...5
        case "Add", "Sub", "Mul", "Div", "MatMul": arity = 2...2
        case "Reshape": arity = reader.opset >= 5 ? 2...2 : 1...1
        case "Squeeze", "Unsqueeze": arity = reader.opset >= 13 ? 1...2 : 1...1
        case "Dropout": arity = 1...3
        case "Slice": arity = reader.opset >= 10 ? 3...5 : 1...1
        case "Pad": arity = reader.opset >= 11 ? 2...4 : 1...1
        case "Concat": arity = 1...1024
        default: arity = 1...1
        }
        guard arity.contains(node.inputs.count), !node.inputs[0].isEmpty else {
            throw .invalid("\(reader.label) has \(node.inputs.count) inputs")
        }
        switch node.opType {
        case "Conv": return try ConvOperator(&reader)
        case "ConvTranspose": return try ConvTransposeOperator(&reader)
        case "BatchNormalization": return try BatchNormOperator(&reader)
        case "Add", "Sub", "Mul", "Div": return try BinaryOperator(&reader)
        case "Selu", "Relu", "LeakyRelu", "Sigmoid", "Tanh": return try UnaryOperator(&reader)
        case "Identity", "Dropout", "Reshape", "Flatten", "Squeeze", "Unsqueeze": return try AliasOperator(&reader)
        case "Transpose": return try TransposeOperator(&reader)
        case "Gemm": return try GemmOperator(&reader)
        case "MatMul": return MatMulOperator(&reader)
        case "Concat": return try ConcatOperator(&reader)
        case "MaxPool", "AveragePool", "GlobalAveragePool": return try PoolOperator(&reader)
        case "Softmax": return try SoftmaxOperator(&reader)
        case "Slice": return try SliceOperator(&reader)
        default: return try PadOperator(&reader)
        }
    }

    private static func constant(_ reader: inout NodeReader) throws(ONNXError) -> ConstantValue {
        if let tensor = reader.attribute("value")?.tensor { return try ConstantValue(tensor) }
        if let v = reader.attribute("value_float")?.float { return .floats([v], shape: []) }
        if case .floats(let v)? = reader.attribute("value_floats")?.value { return .floats(v, shape: [v.count]) }
        if let v = reader.attribute("value_int")?.int { return .ints([v], shape: []) }
        if let v = reader.attribute("value_ints")?.ints { return .ints(v, shape: [v.count]) }
        throw .unsupported("\(reader.label): a Constant without a tensor, float or int value")
    }

    /// Whether `node` keeps axis 0 as the sample axis; marks its output batched if so.
    private static func keepsSamplesApart(_ node: ONNXNode, _ op: Operator, _ inputs: [Int?], known: [String: ConstantValue],
                                          batched: inout Set<Int>, output: Int) -> Bool {
        let marked = inputs.map { $0.map { batched.contains($0) } ?? false }
        guard marked.contains(true) else { return true }   // constants only
        let ok: Bool
        switch op {
        case is UnaryOperator, is BatchNormOperator, is PoolOperator: ok = marked[0]
        case is ConvOperator, is ConvTransposeOperator: ok = marked[0] && !marked.dropFirst().contains(true)
        case is BinaryOperator:
            if marked[0] && marked[1] { ok = true } else {
                // The constant operand must not span axis 0 of the batched one.
                let constant = marked[0] ? node.inputs[1] : node.inputs[0]
                ok = (known[constant]?.shape.count ?? 99) < 4 || known[constant]?.shape.first == 1
            }
        case let t as TransposeOperator: ok = marked[0] && t.perm?.first == 0
        case let a as AliasOperator:
            switch a.kind {
            case .identity: ok = true
            case .reshape(let shape, let allowZero): ok = shape.first == 0 && !allowZero
            case .flatten(let axis): ok = axis >= 1
            case .squeeze(let axes): ok = axes.map { !$0.contains(0) } ?? false
            case .unsqueeze(let axes): ok = !axes.contains(0)
            }
        case let g as GemmOperator: ok = marked[0] && !g.transA && !marked.dropFirst().contains(true)
        case is MatMulOperator: ok = marked[0] && !marked[1]
        case let c as ConcatOperator: ok = marked.allSatisfy { $0 } && c.axis > 0
        case let s as SoftmaxOperator: ok = s.axis > 0
        case let s as SliceOperator: ok = !(s.axes ?? Array(s.starts.indices)).contains(0)
        case let p as PadOperator: ok = (p.axes.map { !$0.contains(0) } ?? false) || (p.pads.count >= 2 && p.pads[0] == 0 && p.pads[p.pads.count / 2] == 0 && p.axes == nil)
        default: ok = false
        }
        if ok { batched.insert(output) }
        return ok
    }
}
