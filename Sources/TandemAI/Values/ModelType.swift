import CRedisModule

/// The `AI__MODEL` data type's callbacks: RDB load/save (encoding 4, RedisAI's layout), AOF rewrite,
/// memory usage, free and copy.
enum ModelType {
    static func register(_ ctx: OpaquePointer) -> OpaquePointer? {
        var methods = RedisModuleTypeMethods()
        methods.version = UInt64(CRM_TYPE_METHOD_VERSION)
        methods.rdb_load = { io, version in ModelType.load(io, version) }
        methods.rdb_save = { io, value in
            guard let io, let value else { return }
            ModelType.save(Unmanaged<ModelValue>.fromOpaque(value).takeUnretainedValue(), to: io)
        }
        methods.aof_rewrite = { io, key, value in
            guard let io, let key, let value else { return }
            ModelType.rewrite(Unmanaged<ModelValue>.fromOpaque(value).takeUnretainedValue(), key: key, to: io)
        }
        methods.mem_usage = { value in
            guard let value else { return 0 }
            return Unmanaged<ModelValue>.fromOpaque(value).takeUnretainedValue().memoryUsage
        }
        methods.free = { value in
            guard let value else { return }
            Unmanaged<ModelValue>.fromOpaque(value).release()
        }
        // Models are immutable; a copy shares the value (and its statistics entry).
        methods.copy = { _, _, value in
            guard let value else { return nil }
            return Unmanaged.passRetained(Unmanaged<ModelValue>.fromOpaque(value).takeUnretainedValue()).toOpaque()
        }
        return rm_create_data_type(ctx, "AI__MODEL", DataTypes.encodingVersion, &methods)
    }

    /// Encoding 4: backend, device (with NUL), tag, batch settings, input and output names
    /// (with NULs), blob length, chunk count and the chunks.
    static func save(_ model: ModelValue, to io: OpaquePointer) {
        let definition = model.definition
        rm_save_unsigned(io, definition.backend.rawValue)
        saveWithNul(definition.device, to: io)
        definition.tag.withUnsafeBytes { rm_save_string_buffer(io, $0.baseAddress, $0.count) }
        rm_save_unsigned(io, UInt64(bitPattern: definition.batchSize))
        rm_save_unsigned(io, UInt64(bitPattern: definition.minBatchSize))
        rm_save_unsigned(io, UInt64(bitPattern: definition.minBatchTimeout))
        for names in [model.inputs, model.outputs] {
            rm_save_unsigned(io, UInt64(names.count))
            for name in names { saveWithNul(Array(name.utf8), to: io) }
        }
        let chunkSize = Configuration.current.modelChunkSize
        rm_save_unsigned(io, UInt64(model.blobCount))
        rm_save_unsigned(io, UInt64(model.chunkCount(size: chunkSize)))
        model.forEachChunk(size: chunkSize) { rm_save_string_buffer(io, $0.baseAddress, $0.count) }
    }

    private static func saveWithNul(_ bytes: [UInt8], to io: OpaquePointer) {
        (bytes + [0]).withUnsafeBytes { rm_save_string_buffer(io, $0.baseAddress, $0.count) }
    }

    /// Reads what ``save(_:to:)`` wrote (also RedisAI's own payloads), validating every
    /// count against the data actually present. Models of backends without a runtime are
    /// kept (their runs answer an error) so no data is lost.
    static func load(_ io: OpaquePointer?, _ version: Int32) -> UnsafeMutableRawPointer? {
        guard let io else { return nil }
        guard version == DataTypes.encodingVersion else {
            Log.warning("AI__MODEL: unsupported encoding version \(version) (TandemAI reads version 4)")
            return nil
        }
        let backendID = rm_load_unsigned(io)
        guard rm_is_io_error(io) == 0, let backend = Backend(rawValue: backendID),
              let device = loadBuffer(io, droppingNul: true),
              let tag = loadBuffer(io, droppingNul: false) else { return nil }
        var definition = ModelDefinition(backend: backend, device: device, tag: tag)
        definition.batchSize = Int64(bitPattern: rm_load_unsigned(io))
        definition.minBatchSize = Int64(bitPattern: rm_load_unsigned(io))
        definition.minBatchTimeout = Int64(bitPattern: rm_load_unsigned(io))
        // AI.MODELSTORE accepts no negative batch setting.
        guard rm_is_io_error(io) == 0, definition.batchSize >= 0, definition.minBatchSize >= 0,
              definition.minBatchTimeout >= 0,
              let inputs = loadNames(io), let outputs = loadNames(io) else { return nil }
        definition.inputs = inputs
        definition.outputs = outputs
        let blobLength = rm_load_unsigned(io)
        let chunks = rm_load_unsigned(io)
        guard rm_is_io_error(io) == 0, let length = Int(exactly: blobLength), length < Int.max / 2,
              chunks >= 1, chunks <= blobLength + 1 else { return nil }
        // The declared length is trusted only once the chunks actually read from the stream
        // add up to it: nothing is allocated from it beforehand (a payload declaring 2^60
        // bytes made the allocator abort the server).
        var pieces: [(pointer: UnsafeMutableRawPointer, count: Int)] = []
        defer { for piece in pieces { rm_free(piece.pointer) } }
        var filled = 0
        for _ in 0..<chunks {
            var size = 0
            guard let chunk = rm_load_string_buffer(io, &size) else { return nil }
            pieces.append((chunk, size))
            guard rm_is_io_error(io) == 0, size <= length - filled else { return nil }
            filled += size
        }
        guard filled == length else { return nil }
        let blob: UnsafeMutableRawPointer
        if pieces.count == 1 {
            // One chunk (the usual case) is the blob: adopting it spares a second copy.
            blob = pieces.removeLast().pointer
        } else {
            guard let joined = rm_alloc(max(length, 1)) else { return nil }
            var offset = 0
            for piece in pieces where piece.count > 0 {
                (joined + offset).copyMemory(from: piece.pointer, byteCount: piece.count)
                offset += piece.count
            }
            blob = joined
        }
        var key: [UInt8] = []
        if let name = rm_key_name_from_io(io) {
            var size = 0
            if let pointer = rm_string_ptr_len(name, &size) { key = Array(UnsafeRawBufferPointer(start: pointer, count: size)) }
        }
        // A TORCH model loads its backend from BACKENDSPATH, as a MODELSTORE would; without
        // it the model is kept and its runs answer why.
        if ModelExecutors.executor(for: backend) == nil { _ = Backends.loadQuietly(backend) }
        let config = Configuration.current
        let options = ModelOptions(device: definition.deviceName, interOpParallelism: config.interOpParallelism,
                                   intraOpParallelism: config.intraOpParallelism, threadsPerQueue: config.threadsPerQueue,
                                   executionTimeout: config.modelExecutionTimeout)
        guard let model = try? ModelValue.prepare(definition, key: key, adopting: blob, blobCount: length,
                                                  options: options, keepRefused: backend != .onnx) else {
            // An ONNX payload is parsed and planned as AI.MODELSTORE does; bytes it refuses are refused here too.
            return nil
        }
        Statistics.register(model.stats)
        return Unmanaged.passRetained(model).toOpaque()
    }

    private static func loadBuffer(_ io: OpaquePointer, droppingNul: Bool) -> [UInt8]? {
        var size = 0
        guard let pointer = rm_load_string_buffer(io, &size) else { return nil }
        defer { rm_free(pointer) }
        guard rm_is_io_error(io) == 0 else { return nil }
        var bytes = Array(UnsafeRawBufferPointer(start: pointer, count: size))
        if droppingNul, bytes.last == 0 { bytes.removeLast() }
        return bytes
    }

    private static func loadNames(_ io: OpaquePointer) -> [String]? {
        let count = rm_load_unsigned(io)
        guard rm_is_io_error(io) == 0 else { return nil }
        var names: [String] = []
        var remaining = count
        while remaining > 0 {
            guard let name = loadBuffer(io, droppingNul: true) else { return nil }
            names.append(String(decoding: name, as: UTF8.self))
            remaining -= 1
        }
        return names
    }

    /// `AI.MODELSTORE key <BACKEND> <device> TAG <tag> BATCHSIZE n MINBATCHSIZE m
    /// MINBATCHTIMEOUT t [INPUTS … OUTPUTS … (TF)] BLOB <chunks…>`.
    static func rewrite(_ model: ModelValue, key: OpaquePointer, to io: OpaquePointer) {
        let definition = model.definition
        var vector = StringVector()
        vector.append(definition.backend.name)
        vector.append(definition.device)
        vector.append("TAG")
        vector.append(definition.tag)
        vector.append("BATCHSIZE")
        vector.append(definition.batchSize)
        vector.append("MINBATCHSIZE")
        vector.append(definition.minBatchSize)
        vector.append("MINBATCHTIMEOUT")
        vector.append(definition.minBatchTimeout)
        if definition.backend == .tf {
            vector.append("INPUTS")
            vector.append(Int64(definition.inputs.count))
            for name in definition.inputs { vector.append(name) }
            vector.append("OUTPUTS")
            vector.append(Int64(definition.outputs.count))
            for name in definition.outputs { vector.append(name) }
        }
        vector.append("BLOB")
        model.forEachChunk(size: Configuration.current.modelChunkSize) { vector.append($0) }
        vector.withVector { rm_emit_aof_sv(io, "AI.MODELSTORE", key, $0, $1) }
    }
}
