/// A computation graph (`GraphProto`): nodes in topological order, constant initializers,
/// and the declared inputs and outputs.
public struct ONNXGraph: Sendable, Equatable {
    public var name: String
    public var nodes: [ONNXNode]
    public var initializers: [ONNXTensor]
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]
    public var valueInfo: [ONNXValueInfo]

    public init(name: String, nodes: [ONNXNode], initializers: [ONNXTensor],
                inputs: [ONNXValueInfo], outputs: [ONNXValueInfo], valueInfo: [ONNXValueInfo] = []) {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
        self.valueInfo = valueInfo
    }

    /// Graphs nest through attributes; deeper nesting than this is refused.
    static let maximumDepth = 4

    init(decoding bytes: ArraySlice<UInt8>, depth: Int) throws(ONNXError) {
        guard depth <= Self.maximumDepth else { throw .unsupported("graphs nested deeper than \(Self.maximumDepth)") }
        self.init(name: "", nodes: [], initializers: [], inputs: [], outputs: [])
        var reader = ProtobufReader(bytes)
        while let (number, value) = try reader.nextField() {
            switch number {
            case 1: nodes.append(try ONNXNode(decoding: Self.slice(value), depth: depth))
            case 2: name = try ProtobufReader.string(value)
            case 5: initializers.append(try ONNXTensor(decoding: Self.slice(value)))
            case 11: inputs.append(try ONNXValueInfo(decoding: Self.slice(value)))
            case 12: outputs.append(try ONNXValueInfo(decoding: Self.slice(value)))
            case 13: valueInfo.append(try ONNXValueInfo(decoding: Self.slice(value)))
            case 15: throw .unsupported("sparse initializers")
            default: break
            }
        }
    }

    func encode(into writer: inout ProtobufWriter) {
        for node in nodes { writer.message(1) { node.encode(into: &$0) } }
        writer.optionalString(2, name)
        for tensor in initializers { writer.message(5) { tensor.encode(into: &$0) } }
        for input in inputs { writer.message(11) { input.encode(into: &$0) } }
        for output in outputs { writer.message(12) { output.encode(into: &$0) } }
        for info in valueInfo { writer.message(13) { info.encode(into: &$0) } }
    }

    static func slice(_ value: ProtobufReader.Value) throws(ONNXError) -> ArraySlice<UInt8> {
        guard case .bytes(let slice) = value else { throw .malformed("expected an embedded message") }
        return slice
    }
}

/// One operator application (`NodeProto`).
public struct ONNXNode: Sendable, Equatable {
    public var name: String
    public var opType: String
    /// The operator set domain; "" (or "ai.onnx") is the standard one.
    public var domain: String
    /// Input value names; "" marks an omitted optional input.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [ONNXAttribute]

    public init(name: String = "", opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [ONNXAttribute] = []) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    /// The attribute called `name`, if present.
    public func attribute(_ name: String) -> ONNXAttribute? {
        attributes.first { $0.name == name }
    }

    init(decoding bytes: ArraySlice<UInt8>, depth: Int) throws(ONNXError) {
        self.init(opType: "", inputs: [], outputs: [])
        var reader = ProtobufReader(bytes)
        while let (number, value) = try reader.nextField() {
            switch number {
            case 1: inputs.append(try ProtobufReader.string(value))
            case 2: outputs.append(try ProtobufReader.string(value))
            case 3: name = try ProtobufReader.string(value)
            case 4: opType = try ProtobufReader.string(value)
            case 5: attributes.append(try ONNXAttribute(decoding: ONNXGraph.slice(value), depth: depth))
            case 7: domain = try ProtobufReader.string(value)
            default: break
            }
        }
    }

    func encode(into writer: inout ProtobufWriter) {
        for input in inputs { writer.string(1, input) }
        for output in outputs { writer.string(2, output) }
        writer.optionalString(3, name)
        writer.string(4, opType)
        for attribute in attributes { writer.message(5) { attribute.encode(into: &$0) } }
        writer.optionalString(7, domain)
    }
}
