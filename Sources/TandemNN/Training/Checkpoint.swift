import Glibc
import TandemTensor

/// A layer that is a whole model: it names its architecture, so a checkpoint can tell
/// whether it belongs to it.
public protocol Network: Layer {
    /// A description of the architecture that two models share exactly when their
    /// parameters correspond, e.g. `"DiffusionResNet(depth: 4, channels: 1)"`.
    var architecture: String { get }
}

/// Saved training state: every parameter (trainable or not), the optimizer's moments and
/// step. A versioned binary format, read back only into the same architecture.
///
/// Layout (version 1, little-endian): magic `"TANDEMNN"`, `u32` version, `str` architecture,
/// `str` dtype (`"FLOAT"`/`"DOUBLE"`), `i64` step, `u32` parameter count; per parameter
/// `str` name, `u8` trainable, `u32` rank, `u32` dims…, values; `u8` has-moments, then per
/// trainable parameter first and second moments; finally `u64` FNV-1a of everything
/// before it. `str` is a `u32` byte count and UTF-8 bytes.
///
/// Reading checks the magic, version, checksum, architecture, dtype, names and shapes
/// before changing anything, so a corrupted or mismatched file leaves the model and the
/// optimizer as they were and throws an ``NNError`` that says what is wrong.
public enum Checkpoint {
    /// The current format version.
    public static let version: UInt32 = 1
    static let magic = Array("TANDEMNN".utf8)

    /// The checkpoint of `model` and `optimizer` as bytes.
    public static func encode<Model: Network>(model: Model, optimizer: Adam<Model.Scalar>) -> [UInt8] {
        var writer = ByteWriter()
        writer.bytes(magic)
        writer.integer(version)
        writer.string(model.architecture)
        writer.string(Model.Scalar.dtype.rawValue)
        writer.integer(Int64(optimizer.step))
        let parameters = model.parameters
        writer.integer(UInt32(parameters.count))
        for p in parameters {
            writer.string(p.name)
            writer.integer(UInt8(p.isTrainable ? 1 : 0))
            writer.integer(UInt32(p.shape.count))
            for d in p.shape { writer.integer(UInt32(d)) }
            writer.values(UnsafeBufferPointer(start: p.pointer, count: p.count))
        }
        let hasMoments = !optimizer.firstMoments.isEmpty
        writer.integer(UInt8(hasMoments ? 1 : 0))
        if hasMoments {
            for (m, v) in zip(optimizer.firstMoments, optimizer.secondMoments) {
                m.withUnsafeBufferPointer { writer.values($0) }
                v.withUnsafeBufferPointer { writer.values($0) }
            }
        }
        writer.integer(fnv1a(writer.data))
        return writer.data
    }

    /// Restores `model` and `optimizer` from checkpoint bytes.
    ///
    /// - Throws: ``NNError`` with code `corruptCheckpoint` (bad magic, checksum, or
    ///   truncation), `unsupportedVersion`, or `mismatchedCheckpoint` (another
    ///   architecture, dtype, or parameter layout). Nothing is changed when it throws.
    public static func decode<Model: Network>(_ bytes: [UInt8], into model: Model, optimizer: Adam<Model.Scalar>) throws(NNError) {
        typealias Scalar = Model.Scalar
        guard bytes.count >= magic.count + 12, Array(bytes[0..<magic.count]) == magic else {
            throw NNError(.corruptCheckpoint, "not a TandemNN checkpoint (bad magic)")
        }
        var reader = ByteReader(bytes: bytes, offset: magic.count)
        let fileVersion: UInt32 = try reader.integer()
        guard fileVersion == version else {
            throw NNError(.unsupportedVersion, "checkpoint format version \(fileVersion) is not supported (this build reads version \(version))")
        }
        let body = bytes[0..<(bytes.count - 8)]
        var stored: UInt64 = 0
        for i in 0..<8 { stored |= UInt64(bytes[bytes.count - 8 + i]) << (8 * UInt64(i)) }
        guard fnv1a(Array(body)) == stored else {
            throw NNError(.corruptCheckpoint, "checkpoint is damaged or truncated (checksum mismatch)")
        }
        let architecture = try reader.string()
        guard architecture == model.architecture else {
            throw NNError(.mismatchedCheckpoint, "checkpoint holds \(architecture), the model is \(model.architecture)")
        }
        let dtype = try reader.string()
        guard dtype == Scalar.dtype.rawValue else {
            throw NNError(.mismatchedCheckpoint, "checkpoint values are \(dtype), the model computes in \(Scalar.dtype.rawValue)")
        }
        let step: Int64 = try reader.integer()
        let parameters = model.parameters
        let count: UInt32 = try reader.integer()
        guard count == parameters.count else {
            throw NNError(.mismatchedCheckpoint, "checkpoint has \(count) parameters, the model \(parameters.count)")
        }
        var values: [[Scalar]] = []
        for p in parameters {
            let name = try reader.string()
            let trainable: UInt8 = try reader.integer()
            let rank: UInt32 = try reader.integer()
            guard rank <= 8 else { throw NNError(.corruptCheckpoint, "checkpoint parameter \(name) has rank \(rank)") }
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(Int(try reader.integer() as UInt32)) }
            guard name == p.name, shape == p.shape, (trainable == 1) == p.isTrainable else {
                throw NNError(.mismatchedCheckpoint, "checkpoint parameter \(name) \(shape) does not match the model's \(p.name) \(p.shape)")
            }
            values.append(try reader.values(count: p.count))
        }
        let hasMoments: UInt8 = try reader.integer()
        var first: [[Scalar]] = [], second: [[Scalar]] = []
        if hasMoments == 1 {
            for p in parameters where p.isTrainable {
                first.append(try reader.values(count: p.count))
                second.append(try reader.values(count: p.count))
            }
        }
        guard reader.offset == bytes.count - 8 else {
            throw NNError(.corruptCheckpoint, "checkpoint has \(bytes.count - 8 - reader.offset) unexpected trailing bytes")
        }
        for (p, v) in zip(parameters, values) { p.values = v }
        optimizer.restore(step: Int(step), firstMoments: first, secondMoments: second)
    }

    /// Writes the checkpoint to `path` (through a temporary file renamed into place, so a
    /// crash never leaves half a checkpoint under that name).
    public static func save<Model: Network>(model: Model, optimizer: Adam<Model.Scalar>, to path: String) throws(NNError) {
        let bytes = encode(model: model, optimizer: optimizer)
        let temporary = path + ".partial"
        guard let file = fopen(temporary, "wb") else {
            throw NNError(.fileAccess, "cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw NNError(.fileAccess, "cannot write \(path): \(reason)")
        }
    }

    /// Restores `model` and `optimizer` from the checkpoint file at `path`.
    ///
    /// - Throws: ``NNError`` with code `fileAccess` when the file cannot be read, or any
    ///   error of ``decode(_:into:optimizer:)``.
    public static func load<Model: Network>(from path: String, into model: Model, optimizer: Adam<Model.Scalar>) throws(NNError) {
        guard let file = fopen(path, "rb") else {
            throw NNError(.fileAccess, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        guard ferror(file) == 0 else { throw NNError(.fileAccess, "cannot read \(path)") }
        try decode(bytes, into: model, optimizer: optimizer)
    }

    /// FNV-1a, 64 bits.
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}

/// Appends little-endian values to a byte array.
struct ByteWriter {
    var data: [UInt8] = []
    mutating func bytes(_ b: [UInt8]) { data.append(contentsOf: b) }
    mutating func integer<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        integer(UInt32(utf8.count))
        bytes(utf8)
    }
    mutating func values<Scalar: NNScalar>(_ buffer: UnsafeBufferPointer<Scalar>) {
        data.append(contentsOf: UnsafeRawBufferPointer(buffer))
    }
}

/// Reads what ``ByteWriter`` wrote, throwing on truncation.
struct ByteReader {
    let bytes: [UInt8]
    var offset: Int

    mutating func take(_ count: Int) throws(NNError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - 8 - offset else {
            throw NNError(.corruptCheckpoint, "checkpoint is truncated")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func integer<T: FixedWidthInteger>() throws(NNError) -> T {
        let slice = try take(MemoryLayout<T>.size)
        var value: T = 0
        for (i, b) in slice.enumerated() { value |= T(truncatingIfNeeded: b) << (8 * i) }
        return value
    }

    mutating func string() throws(NNError) -> String {
        let count: UInt32 = try integer()
        let slice = try take(Int(count))
        return String(decoding: slice, as: UTF8.self)
    }

    mutating func values<Scalar: NNScalar>(count: Int) throws(NNError) -> [Scalar] {
        let slice = try take(count * MemoryLayout<Scalar>.stride)
        return [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
            slice.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
            }
            initialized = count
        }
    }
}
