/// An ONNX model (`ModelProto`): the format on the wire between TandemNN, the database and
/// any other ONNX tool. Reading validates structure and refuses what Tandem cannot run
/// (external data, sparse tensors, non-tensor types) with an error that names it.
///
/// ```swift
/// let model = try ONNXModel(serialized: bytes)
/// model.graph.nodes.map(\.opType)   // ["Transpose", "Conv", …]
/// let bytes = model.serialized()
/// ```
public struct ONNXModel: Sendable, Equatable {
    /// One operator set the model uses.
    public struct OpsetImport: Sendable, Equatable {
        public var domain: String
        public var version: Int64
        public init(domain: String = "", version: Int64) {
            self.domain = domain
            self.version = version
        }
    }

    public var irVersion: Int64
    public var opsetImports: [OpsetImport]
    public var producerName: String
    public var producerVersion: String
    public var domain: String
    public var modelVersion: Int64
    public var docString: String
    public var graph: ONNXGraph

    public init(irVersion: Int64 = 8, opsetImports: [OpsetImport], producerName: String = "Tandem",
                producerVersion: String = "", graph: ONNXGraph) {
        self.irVersion = irVersion
        self.opsetImports = opsetImports
        self.producerName = producerName
        self.producerVersion = producerVersion
        domain = ""
        modelVersion = 0
        docString = ""
        self.graph = graph
    }

    /// Decodes serialized ONNX bytes.
    ///
    /// - Throws: ``ONNXError`` for bytes that are not an ONNX model or use unsupported features.
    public init(serialized bytes: [UInt8]) throws(ONNXError) {
        var graph: ONNXGraph?
        self.init(opsetImports: [], producerName: "", graph: ONNXGraph(name: "", nodes: [], initializers: [], inputs: [], outputs: []))
        irVersion = 0
        var reader = ProtobufReader(bytes[...])
        while let (number, value) = try reader.nextField() {
            switch number {
            case 1: irVersion = try ProtobufReader.int64(value)
            case 2: producerName = try ProtobufReader.string(value)
            case 3: producerVersion = try ProtobufReader.string(value)
            case 4: domain = try ProtobufReader.string(value)
            case 5: modelVersion = try ProtobufReader.int64(value)
            case 6: docString = try ProtobufReader.string(value)
            case 7: graph = try ONNXGraph(decoding: ONNXGraph.slice(value), depth: 0)
            case 8:
                var opset = OpsetImport(version: 0)
                var opsetReader = ProtobufReader(try ONNXGraph.slice(value))
                while let (field, content) = try opsetReader.nextField() {
                    if field == 1 { opset.domain = try ProtobufReader.string(content) }
                    if field == 2 { opset.version = try ProtobufReader.int64(content) }
                }
                opsetImports.append(opset)
            case 25: throw .unsupported("model-local functions")
            default: break
            }
        }
        guard let graph else { throw .malformed("no graph") }
        guard irVersion >= 3 else { throw .unsupported("IR version \(irVersion) (3 or later is needed)") }
        self.graph = graph
    }

    /// The model as ONNX bytes.
    public func serialized() -> [UInt8] {
        var writer = ProtobufWriter()
        writer.int64(1, irVersion)
        writer.optionalString(2, producerName)
        writer.optionalString(3, producerVersion)
        writer.optionalString(4, domain)
        if modelVersion != 0 { writer.int64(5, modelVersion) }
        writer.optionalString(6, docString)
        writer.message(7) { graph.encode(into: &$0) }
        for opset in opsetImports {
            writer.message(8) { w in
                w.optionalString(1, opset.domain)
                w.int64(2, opset.version)
            }
        }
        return writer.bytes
    }

    /// The version of the standard operator set (domain "" or "ai.onnx"), if imported.
    public var defaultOpsetVersion: Int64? {
        opsetImports.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version
    }
}
