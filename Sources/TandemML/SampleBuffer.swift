import TandemClient
import TandemTensor

/// The samples of one tensor name, concatenated along the first axis as batches arrive,
/// whatever their dtype; batches are gathered from it by sample index.
struct SampleBuffer: Sendable {
    private(set) var dtype: DType?
    /// The shape of one sample: the batch tensors' shape without the first dimension.
    private(set) var sampleShape: [Int] = []
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    /// Appends a batch tensor's samples.
    ///
    /// - Throws: when its dtype or sample shape differs from the earlier batches', or it
    ///   holds strings.
    mutating func append(_ tensor: Tensor, name: String) throws(ClientError) {
        guard tensor.dtype.elementSize != nil else {
            throw ClientError(.invalidArgument, "Training tensor '\(name)' holds strings; numeric tensors are needed.")
        }
        let shape = Array(tensor.shape.dropFirst())
        if let dtype {
            guard dtype == tensor.dtype, shape == sampleShape else {
                throw ClientError(.invalidArgument, "Training tensor '\(name)' of type \(tensor.dtype) and shape \(tensor.shape) does not match earlier batches (\(dtype), samples of shape \(sampleShape)).")
            }
        } else {
            dtype = tensor.dtype
            sampleShape = shape
        }
        bytes.append(contentsOf: tensor.bytes)
        count += tensor.shape.first ?? 0
    }

    /// The bytes of one sample.
    var bytesPerSample: Int { sampleShape.reduce(dtype?.elementSize ?? 0, *) }

    /// The samples at `indices`, in that order, as one tensor of shape `[indices.count] + sampleShape`.
    ///
    /// - Precondition: at least one sample was appended and every index is below ``count``.
    func gather(_ indices: ArraySlice<Int>) -> Tensor {
        guard let dtype else { preconditionFailure("no samples to gather") }
        var out = [UInt8](repeating: 0, count: indices.count * bytesPerSample)
        out.withUnsafeMutableBytes { gather(indices, into: $0) }
        // The byte count matches the shape by construction.
        return try! Tensor(dtype: dtype, shape: [indices.count] + sampleShape, bytes: out)
    }

    /// Copies the samples at `indices`, in that order, into `destination`.
    ///
    /// - Precondition: every index is below ``count`` and `destination` holds
    ///   `indices.count` samples.
    func gather(_ indices: ArraySlice<Int>, into destination: UnsafeMutableRawBufferPointer) {
        let size = bytesPerSample
        precondition(destination.count >= indices.count * size, "room for \(destination.count / max(size, 1)) samples, \(indices.count) asked for")
        bytes.withUnsafeBytes { source in
            for (position, index) in indices.enumerated() {
                precondition(index < count, "sample \(index) of \(count)")
                destination.baseAddress!.advanced(by: position * size)
                    .copyMemory(from: source.baseAddress!.advanced(by: index * size), byteCount: size)
            }
        }
    }
}
