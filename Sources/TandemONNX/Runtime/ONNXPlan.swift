import ONNX
import TandemNN

/// A validated, ordered graph: every value numbered, constants read, each node's operator
/// built (attributes checked), and whether samples can be split over threads.
///
/// Nodes whose inputs are all known while planning (initializers, constants, and values
/// computed from them) are folded into constants. A plan made for given input shapes also
/// knows every value's shape, so `Shape` nodes fold too: shape arithmetic as exporters write
/// it (Shape → Gather → Unsqueeze → Concat → Reshape) becomes constant operands, and only
/// float operators remain to run.
struct ONNXPlan: @unchecked Sendable {
    struct Step {
        let op: Operator
        /// Value indices of the inputs (`nil` for an omitted optional input or an integer operand read when planning).
        let inputs: [Int?]
        let outputs: [Int]
    }

    /// The standard operators this runtime runs or folds.
    static let operators: Set<String> = Set([
        "Conv", "ConvTranspose", "BatchNormalization", "InstanceNormalization", "LayerNormalization", "Transpose",
        "Identity", "Dropout", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Gemm", "MatMul", "Concat", "MaxPool",
        "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Softmax", "LogSoftmax", "Slice", "Pad", "Constant", "Where",
        "Gather", "Expand", "Tile", "Split", "Resize", "Upsample",
    ]).union(UnaryOperator.operators).union(BinaryOperator.operators).union(ReduceOperator.operators)
        .union(ConstantFolding.foldOnly)

    /// Whether a model computes shapes from its values' shapes (`Shape`, `Size`), so that it is
    /// planned once per set of input shapes.
    static func readsShapes(_ model: ONNXModel) -> Bool {
        model.graph.nodes.contains { $0.opType == "Shape" || $0.opType == "Size" }
    }

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
    /// Whether a `Gemm` or `MatMul` takes part: their rows are usually the samples, and one
    /// product over the whole batch reads each weight once, where groups of samples would
    /// read every weight once per group.
    var multipliesMatrices = false

    /// Checks what can be checked without planning: the operator set, that every operator
    /// is supported (naming the first that is not) and that the inputs are float32. Returns
    /// the opset version and the declared shapes of the inputs that are not initializers.
    @discardableResult
    static func check(_ model: ONNXModel) throws(ONNXError) -> (opset: Int64, inputShapes: [[Int?]?]) {
        guard let opset = model.defaultOpsetVersion else { throw .unsupported("models without the standard operator set") }
        guard opset >= 1 else { throw .unsupported("opset \(opset)") }
        for o in model.opsetImports where !(o.domain.isEmpty || o.domain == "ai.onnx") && !o.domain.hasPrefix("ai.onnx.ml") {
            throw .unsupported("operator set domain '\(o.domain)'")
        }
        for node in model.graph.nodes {
            guard node.domain.isEmpty || node.domain == "ai.onnx" else { throw .unsupported("operator \(node.domain).\(node.opType)") }
            guard Self.operators.contains(node.opType) else { throw .unsupported("operator \(node.opType)") }
        }
        let initializers = Set(model.graph.initializers.map(\.name))
        var shapes: [[Int?]?] = []
        for input in model.graph.inputs where !initializers.contains(input.name) {
            guard input.elementType == .float else {
                throw .unsupported("input '\(input.name)' of type \(input.elementType.map { "\($0)" } ?? "unknown") (float32 inputs only)")
            }
            shapes.append(input.shape.map { dims in dims.map { d -> Int? in if case .value(let v) = d, v > 0 { Int(v) } else { nil } } })
        }
        guard !shapes.isEmpty else { throw .invalid("the graph has no inputs") }
        return (opset, shapes)
    }

    /// Plans `model`; with `inputShapes`, for those input shapes only (folding `Shape`).
    init(_ model: ONNXModel, inputShapes bound: [[Int]]? = nil) throws(ONNXError) {
        let opset = try Self.check(model).opset
        let graph = model.graph
        var index: [String: Int] = [:]
        func number(_ name: String) -> Int {
            if let i = index[name] { return i }
            index[name] = valueCount
            valueCount += 1
            return valueCount - 1
        }
        var known: [String: KnownTensor] = [:]
        var constantValues: [String: ConstantValue] = [:]
        for tensor in graph.initializers {
            guard !tensor.name.isEmpty else { throw .invalid("an initializer has no name") }
            known[tensor.name] = try KnownTensor(tensor)
        }
        // Shapes of the values that run (known when planning for given input shapes).
        var valueShapes: [Int: [Int]] = [:]
        // Inputs are the declared inputs that are not initializers (IR ≥ 4 may list both).
        var batched: Set<Int> = []
        for input in graph.inputs where known[input.name] == nil {
            guard input.elementType == .float else {
                throw .unsupported("input '\(input.name)' of type \(input.elementType.map { "\($0)" } ?? "unknown") (float32 inputs only)")
            }
            let i = number(input.name)
            if let bound, inputs.count < bound.count { valueShapes[i] = bound[inputs.count] }
            inputs.append(i)
            let shape = input.shape.map { dims in dims.map { d -> Int? in if case .value(let v) = d, v > 0 { Int(v) } else { nil } } }
            inputShapes.append(shape)
            if let shape, let first = shape.first, first == nil { batched.insert(i) } else { separable = false }
        }
        guard !inputs.isEmpty else { throw .invalid("the graph has no inputs") }
        guard !graph.outputs.isEmpty else { throw .invalid("the graph has no outputs") }
        if let bound, bound.count != inputs.count { throw .invalid("\(bound.count) input shapes for \(inputs.count) inputs") }
        func remember(_ name: String, _ value: KnownTensor) {
            known[name] = value
            let constant = value.constant
            constantValues[name] = constant
            if case .floats(let values, let shape) = constant {
                let i = number(name)
                constants[i] = Slot(shape: shape, values: values)
                valueShapes[i] = shape
            }
        }
        for (name, value) in known { remember(name, value) }
        // Order the nodes: ONNX requires topological order, but some exporters do not keep it.
        var available = Set(index.keys).union(known.keys)
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
        var produced: Set<String> = Set(index.keys).union(known.keys)
        for node in ordered {
            for output in node.outputs where !output.isEmpty {
                guard produced.insert(output).inserted else { throw .invalid("value '\(output)' is produced twice") }
            }
            var reader = NodeReader(node: node, opset: opset, constants: constantValues)
            let label = reader.label
            guard let first = node.outputs.first, !first.isEmpty else { throw .invalid("\(label) has no output") }
            if node.opType == "Constant" {
                remember(first, try Self.constant(&reader))
                try reader.finish()
                continue
            }
            // Shape and Size read a value's shape: known for constants, and for every value when planning for input shapes.
            if node.opType == "Shape" || node.opType == "Size" {
                guard node.inputs.count == 1, !node.inputs[0].isEmpty else { throw .invalid("\(label) has \(node.inputs.count) inputs") }
                let name = node.inputs[0]
                guard let shape = known[name]?.shape ?? index[name].flatMap({ valueShapes[$0] }) else {
                    throw .unsupported("\(label): the shape of '\(name)', known only when the input shapes are")
                }
                if node.opType == "Size" {
                    remember(first, KnownTensor(kind: .integer, shape: [], values: [Double(shape.reduce(1, *))]))
                } else {
                    var (begin, end) = (0, shape.count)
                    if opset >= 15 {
                        func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + shape.count : v, 0), shape.count) }
                        begin = clamp(try reader.int("start", default: 0))
                        end = clamp(try reader.int("end", default: shape.count))
                    }
                    let dims = begin < end ? Array(shape[begin..<end]) : []
                    remember(first, KnownTensor(kind: .integer, shape: [dims.count], values: dims.map(Double.init)))
                }
                try reader.finish()
                continue
            }
            let knownInputs = node.inputs.map { $0.isEmpty ? nil : known[$0] }
            let allKnown = zip(node.inputs, knownInputs).allSatisfy { $0.0.isEmpty || $0.1 != nil }
            if allKnown, let folded = try ConstantFolding.fold(&reader, knownInputs, makeOperator: Self.makeOperator) {
                try reader.finish()
                for (name, value) in zip(node.outputs, folded) where !name.isEmpty { remember(name, value) }
                continue
            }
            var op: Operator
            if node.opType == "Cast" {
                // Of float data: to float is the identity, to bool marks non-zero elements.
                guard node.inputs.count == 1 else { throw .invalid("\(label) has \(node.inputs.count) inputs") }
                let to = try reader.int("to", default: 0)
                if opset >= 19 { _ = try reader.int("saturate", default: 1) }
                switch to {
                case 1: op = AliasOperator(identity: label)
                case 9: op = UnaryOperator(nonZero: label)
                default: throw .unsupported("\(label): Cast of tensor data to type \(to) (float32 data only)")
                }
            } else if ConstantFolding.foldOnly.contains(node.opType) {
                throw .unsupported("\(label): \(node.opType) of tensor data (its inputs must be known when planning)")
            } else {
                op = try Self.makeOperator(&reader)
            }
            try reader.finish()
            // Integer operands (shapes, axes, pads) were read when planning and have no slot.
            let inputIndices = node.inputs.map { name -> Int? in
                if name.isEmpty { return nil }
                if case .ints? = constantValues[name] { return nil }
                return index[name]
            }
            let integerPositions: Set<Int> = ["Reshape": [1], "Squeeze": [1], "Unsqueeze": [1], "Slice": [1, 2, 3, 4],
                                              "Pad": [1, 3], "Dropout": [2], "Gather": [1], "Expand": [1], "Tile": [1],
                                              "Split": [1], "Resize": [3], "ReduceMean": [1], "ReduceSum": [1], "ReduceMax": [1],
                                              "ReduceMin": [1], "ReduceProd": [1], "ReduceSumSquare": [1], "ReduceL2": [1]][node.opType] ?? []
            for (position, name) in node.inputs.enumerated() where !name.isEmpty {
                if case .ints? = constantValues[name], !integerPositions.contains(position) {
                    throw .unsupported("\(label): integer tensor '\(name)' as input \(position) (float32 only)")
                }
            }
            let required = BinaryOperator.operators.contains(node.opType) || ["MatMul", "Gemm", "LayerNormalization"].contains(node.opType) ? 2
                : ["Where", "InstanceNormalization"].contains(node.opType) ? 3 : 1
            for position in 0..<required where position >= node.inputs.count || inputIndices[position] == nil {
                throw .invalid("\(label): input \(position) is missing")
            }
            let outputCount = op is SplitOperator ? node.outputs.count : 1
            if node.outputs.dropFirst(outputCount).contains(where: { !$0.isEmpty }) {
                throw .unsupported("\(label): output \(outputCount + 1) of \(node.opType)")
            }
            let outputIndices = node.outputs.prefix(outputCount).map { number($0) }
            if bound != nil {
                let shapes = try op.shapes(inputIndices.map { $0.flatMap { valueShapes[$0] } })
                for (i, shape) in zip(outputIndices, shapes) {
                    _ = try checkedCount(shape, op)
                    valueShapes[i] = shape
                }
            }
            steps.append(Step(op: op, inputs: inputIndices, outputs: outputIndices))
            if op is GemmOperator || op is MatMulOperator { multipliesMatrices = true }
            if separable {
                separable = Self.keepsSamplesApart(node, op, inputIndices, known: constantValues, batched: &batched, outputs: outputIndices)
            }
        }
        for output in graph.outputs {
            guard let i = index[output.name] else {
                throw .invalid(known[output.name] != nil ? "output '\(output.name)' is not a float tensor" : "output '\(output.name)' is never produced")
            }
            guard constants[i] != nil || steps.contains(where: { $0.outputs.contains(i) }) || inputs.contains(i) else {
                throw .invalid("output '\(output.name)' is not a float tensor")
            }
            outputs.append(i)
            if !batched.contains(i) { separable = false }
        }
        // A plan for given shapes has their batch size in its folded constants.
        if bound != nil { separable = false }
    }

    /// Every value's shape for these input shapes (nil for integer operands).
    func shapes(_ inputShapes: [[Int]]) throws(ONNXError) -> [[Int]?] {
        var shapes = [[Int]?](repeating: nil, count: valueCount)
        for (i, shape) in zip(inputs, inputShapes) { shapes[i] = shape }
        for (i, slot) in constants { shapes[i] = slot.shape }
        for step in steps {
            let out = try step.op.shapes(step.inputs.map { $0.flatMap { shapes[$0] } })
            for (i, shape) in zip(step.outputs, out) {
                _ = try checkedCount(shape, step.op)
                shapes[i] = shape
            }
        }
        return shapes
    }

    private static func makeOperator(_ reader: inout NodeReader) throws(ONNXError) -> Operator {
        let node = reader.node
        let type = node.opType
        guard node.outputs.first.map({ !$0.isEmpty }) ?? false else { throw .invalid("\(reader.label) has no output") }
        let arity: ClosedRange<Int>
        switch type {
        case "Conv", "ConvTranspose", "Gemm", "LayerNormalization": arity = 2...3
        case "BatchNormalization": arity = 5...5
        case "MatMul", "Gather", "Expand", "Tile": arity = 2...2
        case _ where BinaryOperator.operators.contains(type): arity = 2...2
        case "Where", "InstanceNormalization": arity = 3...3
        case "Clip": arity = reader.opset >= 11 ? 1...3 : 1...1
        case "Reshape": arity = reader.opset >= 5 ? 2...2 : 1...1
        case "Squeeze", "Unsqueeze": arity = reader.opset >= 13 ? 1...2 : 1...1
        case "Split": arity = reader.opset >= 13 ? 1...2 : 1...1
        case _ where ReduceOperator.operators.contains(type): arity = 1...2
        case "Resize": arity = reader.opset >= 11 ? 1...4 : 2...2
        case "Upsample": arity = reader.opset >= 9 ? 2...2 : 1...1
        case "Dropout": arity = 1...3
        case "Slice": arity = reader.opset >= 10 ? 3...5 : 1...1
        case "Pad": arity = reader.opset >= 11 ? 2...4 : 1...1
        case "Concat": arity = 1...1024
        default: arity = 1...1
        }
        guard arity.contains(node.inputs.count), !node.inputs[0].isEmpty else {
            throw .invalid("\(reader.label) has \(node.inputs.count) inputs")
        }
        switch type {
        case "Conv": return try ConvOperator(&reader)
        case "ConvTranspose": return try ConvTransposeOperator(&reader)
        case "BatchNormalization": return try BatchNormOperator(&reader)
        case "InstanceNormalization": return try InstanceNormOperator(&reader)
        case "LayerNormalization": return try LayerNormOperator(&reader)
        case _ where BinaryOperator.operators.contains(type): return try BinaryOperator(&reader)
        case _ where UnaryOperator.operators.contains(type): return try UnaryOperator(&reader)
        case _ where ReduceOperator.operators.contains(type): return try ReduceOperator(&reader)
        case "Where": return WhereOperator(&reader)
        case "Identity", "Dropout", "Reshape", "Flatten", "Squeeze", "Unsqueeze": return try AliasOperator(&reader)
        case "Transpose": return try TransposeOperator(&reader)
        case "Gemm": return try GemmOperator(&reader)
        case "MatMul": return MatMulOperator(&reader)
        case "Concat": return try ConcatOperator(&reader)
        case "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool": return try PoolOperator(&reader)
        case "Softmax", "LogSoftmax": return try SoftmaxOperator(&reader)
        case "Slice": return try SliceOperator(&reader)
        case "Gather": return try GatherOperator(&reader)
        case "Expand": return try ExpandOperator(&reader)
        case "Tile": return try TileOperator(&reader)
        case "Split": return try SplitOperator(&reader)
        case "Resize", "Upsample": return try ResizeOperator(&reader)
        case "Pad": return try PadOperator(&reader)
        default: throw .unsupported("operator \(type)")
        }
    }

    private static func constant(_ reader: inout NodeReader) throws(ONNXError) -> KnownTensor {
        if let tensor = reader.attribute("value")?.tensor { return try KnownTensor(tensor) }
        if let v = reader.attribute("value_float")?.float { return KnownTensor(kind: .float, shape: [], values: [Double(v)]) }
        if case .floats(let v)? = reader.attribute("value_floats")?.value { return KnownTensor(kind: .float, shape: [v.count], values: v.map(Double.init)) }
        if let v = reader.attribute("value_int")?.int { return KnownTensor(kind: .integer, shape: [], values: [Double(v)]) }
        if let v = reader.attribute("value_ints")?.ints { return KnownTensor(kind: .integer, shape: [v.count], values: v.map(Double.init)) }
        throw .unsupported("\(reader.label): a Constant without a tensor, float or int value")
    }

    /// Whether `node` keeps axis 0 as the sample axis; marks its output batched if so.
    private static func keepsSamplesApart(_ node: ONNXNode, _ op: Operator, _ inputs: [Int?], known: [String: ConstantValue],
                                          batched: inout Set<Int>, outputs: [Int]) -> Bool {
        let marked = inputs.map { $0.map { batched.contains($0) } ?? false }
        guard marked.contains(true) else { return true }   // constants only
        let ok: Bool
        switch op {
        case is UnaryOperator, is BatchNormOperator, is PoolOperator, is InstanceNormOperator: ok = marked[0]
        case let l as LayerNormOperator: ok = marked[0] && l.axis >= 1 && !marked.dropFirst().contains(true)
        case let r as ResizeOperator: ok = marked[0] && r.scales?.first == 1
        case let g as GatherOperator: ok = marked[0] && g.axis >= 1
        case let s as SplitOperator: ok = marked[0] && s.axis >= 1
        case let r as ReduceOperator: ok = marked[0] && (r.axes.map { !$0.isEmpty && $0.allSatisfy { $0 >= 1 } } ?? false)
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
        if ok { batched.formUnion(outputs) }
        return ok
    }
}
