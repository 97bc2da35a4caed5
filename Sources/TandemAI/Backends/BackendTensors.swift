import CTandemBackend
import TandemTensor

/// Conversions between stored tensors and the C tensors of the backend interface.
enum BackendTensors {
    /// Calls `body` with C views of `tensors` (valid only during the call).
    ///
    /// - Throws: for STRING tensors, which no backend takes.
    static func withViews<Result>(of tensors: [TensorValue],
                                  _ body: (UnsafePointer<TandemBackendTensor>?, Int) throws(BackendError) -> Result) throws(BackendError) -> Result {
        var shapes: [Int64] = []
        var offsets: [Int] = []
        for tensor in tensors {
            guard tensor.dtype != .string else { throw BackendError("ERR STRING tensors cannot be inputs of TORCH models or scripts") }
            offsets.append(shapes.count)
            shapes.append(contentsOf: tensor.shape)
        }
        shapes.append(0)  // never empty, so the base address exists
        return try shapes.withUnsafeBufferPointer { shapeBuffer throws(BackendError) -> Result in
            var views: [TandemBackendTensor] = []
            views.reserveCapacity(tensors.count)
            for (tensor, offset) in zip(tensors, offsets) {
                views.append(TandemBackendTensor(dtype: code(tensor.dtype), ndim: Int32(tensor.shape.count),
                                                 shape: shapeBuffer.baseAddress! + offset,
                                                 data: UnsafeRawPointer(tensor.data), byte_count: tensor.byteCount))
            }
            return try views.withUnsafeBufferPointer { viewBuffer throws(BackendError) -> Result in
                try body(viewBuffer.baseAddress, viewBuffer.count)
            }
        }
    }

    /// Stored copies of a backend's outputs, each checked (type, shape, byte count) before
    /// anything is allocated for it.
    static func values(_ outputs: UnsafePointer<TandemBackendTensor>?, count: Int) throws(BackendError) -> [TensorValue] {
        guard count > 0 else { return [] }
        guard let outputs else { throw BackendError("ERR the backend returned no outputs") }
        var values: [TensorValue] = []
        for i in 0..<count {
            let output = outputs[i]
            guard let dtype = dtype(output.dtype) else { throw BackendError("ERR the backend returned an unsupported tensor type") }
            guard output.ndim >= 0, output.ndim <= 64, output.ndim == 0 || output.shape != nil else {
                throw BackendError("ERR the backend returned an invalid shape")
            }
            let shape = (0..<Int(output.ndim)).map { output.shape![$0] }
            // An empty dimension is legal in torch but not in a stored tensor.
            guard let elements = TensorValue.elementCount(of: shape) else {
                throw BackendError("ERR the backend returned a tensor with an empty or invalid shape \(shape)")
            }
            guard let bytes = TensorValue.byteCount(of: dtype, count: elements), bytes == output.byte_count,
                  bytes == 0 || output.data != nil else {
                throw BackendError("ERR the backend returned tensor data that does not match its shape")
            }
            values.append(TensorValue.copying(UnsafeRawBufferPointer(start: output.data, count: bytes),
                                              dtype: dtype, shape: shape, count: elements))
        }
        return values
    }

    static func code(_ dtype: DType) -> Int32 {
        switch dtype {
        case .float: Int32(TANDEM_DTYPE_FLOAT.rawValue)
        case .double: Int32(TANDEM_DTYPE_DOUBLE.rawValue)
        case .int8: Int32(TANDEM_DTYPE_INT8.rawValue)
        case .int16: Int32(TANDEM_DTYPE_INT16.rawValue)
        case .int32: Int32(TANDEM_DTYPE_INT32.rawValue)
        case .int64: Int32(TANDEM_DTYPE_INT64.rawValue)
        case .uint8: Int32(TANDEM_DTYPE_UINT8.rawValue)
        case .uint16: Int32(TANDEM_DTYPE_UINT16.rawValue)
        case .bool: Int32(TANDEM_DTYPE_BOOL.rawValue)
        case .string: -1
        }
    }

    static func dtype(_ code: Int32) -> DType? {
        DType.allCases.first { $0 != .string && self.code($0) == code }
    }
}
