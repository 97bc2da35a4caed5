/// A declared graph input, output or intermediate value (`ValueInfoProto`) of tensor type.
public struct ONNXValueInfo: Sendable, Equatable {
    /// One dimension of a declared shape.
    public enum Dimension: Sendable, Equatable {
        /// A fixed size.
        case value(Int64)
        /// A named symbolic size (e.g. the batch "N"), fixed at run time.
        case parameter(String)
        /// Not stated.
        case unknown
    }

    public var name: String
    /// The element type, `nil` when the type is not stated or not a tensor.
    public var elementType: ONNXDataType?
    /// The shape, `nil` when not stated (any rank).
    public var shape: [Dimension]?

    public init(name: String, elementType: ONNXDataType?, shape: [Dimension]?) {
        self.name = name
        self.elementType = elementType
        self.shape = shape
    }

    init(decoding bytes: ArraySlice<UInt8>) throws(ONNXError) {
        self.init(name: "", elementType: nil, shape: nil)
        var reader = ProtobufReader(bytes)
        while let (number, value) = try reader.nextField() {
            switch number {
            case 1: name = try ProtobufReader.string(value)
            case 2: try decodeType(ONNXGraph.slice(value))
            default: break
            }
        }
    }

    private mutating func decodeType(_ bytes: ArraySlice<UInt8>) throws(ONNXError) {
        var reader = ProtobufReader(bytes)
        while let (number, value) = try reader.nextField() {
            guard number == 1 else {
                if [4, 5, 7, 8, 9].contains(number) { throw .unsupported("value '\(name)' of a non-tensor type") }
                continue
            }
            var tensor = ProtobufReader(try ONNXGraph.slice(value))
            while let (field, content) = try tensor.nextField() {
                switch field {
                case 1: elementType = try ONNXDataType.from(ProtobufReader.int64(content))
                case 2: shape = try Self.decodeShape(ONNXGraph.slice(content))
                default: break
                }
            }
        }
    }

    private static func decodeShape(_ bytes: ArraySlice<UInt8>) throws(ONNXError) -> [Dimension] {
        var dims: [Dimension] = []
        var reader = ProtobufReader(bytes)
        while let (number, value) = try reader.nextField() {
            guard number == 1 else { continue }
            var dimension = Dimension.unknown
            var dimReader = ProtobufReader(try ONNXGraph.slice(value))
            while let (field, content) = try dimReader.nextField() {
                switch field {
                case 1: dimension = .value(try ProtobufReader.int64(content))
                case 2: dimension = .parameter(try ProtobufReader.string(content))
                default: break
                }
            }
            dims.append(dimension)
        }
        return dims
    }

    func encode(into writer: inout ProtobufWriter) {
        writer.string(1, name)
        guard let elementType else { return }
        writer.message(2) { type in
            type.message(1) { tensor in
                tensor.int64(1, Int64(elementType.rawValue))
                guard let shape else { return }
                tensor.message(2) { shapeWriter in
                    for dimension in shape {
                        shapeWriter.message(1) { dim in
                            switch dimension {
                            case .value(let v): dim.int64(1, v)
                            case .parameter(let p): dim.string(2, p)
                            case .unknown: break
                            }
                        }
                    }
                }
            }
        }
    }
}
