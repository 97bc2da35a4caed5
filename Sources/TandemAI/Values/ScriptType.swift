import CRedisModule

/// The `AI_SCRIPT` data type's callbacks: RDB load/save (encoding 4, RedisAI's layout), AOF
/// rewrite, memory usage, free and copy.
enum ScriptType {
    static func register(_ ctx: OpaquePointer) -> OpaquePointer? {
        var methods = RedisModuleTypeMethods()
        methods.version = UInt64(CRM_TYPE_METHOD_VERSION)
        methods.rdb_load = { io, version in ScriptType.load(io, version) }
        methods.rdb_save = { io, value in
            guard let io, let value else { return }
            ScriptType.save(Unmanaged<ScriptValue>.fromOpaque(value).takeUnretainedValue(), to: io)
        }
        methods.aof_rewrite = { io, key, value in
            guard let io, let key, let value else { return }
            ScriptType.rewrite(Unmanaged<ScriptValue>.fromOpaque(value).takeUnretainedValue(), key: key, to: io)
        }
        methods.mem_usage = { value in
            guard let value else { return 0 }
            return Unmanaged<ScriptValue>.fromOpaque(value).takeUnretainedValue().memoryUsage
        }
        methods.free = { value in
            guard let value else { return }
            Unmanaged<ScriptValue>.fromOpaque(value).release()
        }
        // Scripts are immutable; a copy shares the value (and its statistics entry).
        methods.copy = { _, _, value in
            guard let value else { return nil }
            return Unmanaged.passRetained(Unmanaged<ScriptValue>.fromOpaque(value).takeUnretainedValue()).toOpaque()
        }
        return rm_create_data_type(ctx, "AI_SCRIPT", DataTypes.encodingVersion, &methods)
    }

    /// Encoding 4: device (with NUL), tag, source (with NUL), the entry-point count and each
    /// entry point (with NUL).
    static func save(_ script: ScriptValue, to io: OpaquePointer) {
        saveWithNul(script.device, to: io)
        script.tag.withUnsafeBytes { rm_save_string_buffer(io, $0.baseAddress, $0.count) }
        saveWithNul(script.source, to: io)
        rm_save_unsigned(io, UInt64(script.entryPoints.count))
        for entryPoint in script.entryPoints { saveWithNul(Array(entryPoint.utf8), to: io) }
    }

    private static func saveWithNul(_ bytes: [UInt8], to io: OpaquePointer) {
        (bytes + [0]).withUnsafeBytes { rm_save_string_buffer(io, $0.baseAddress, $0.count) }
    }

    /// Reads what ``save(_:to:)`` wrote (also RedisAI's payloads), validating as it goes. The
    /// script is compiled when the TORCH backend loads; otherwise it is kept uncompiled and
    /// its runs answer why, so no data is lost.
    static func load(_ io: OpaquePointer?, _ version: Int32) -> UnsafeMutableRawPointer? {
        guard let io else { return nil }
        guard version == DataTypes.encodingVersion else {
            Log.warning("AI_SCRIPT: unsupported encoding version \(version) (TandemAI reads version 4)")
            return nil
        }
        guard let device = loadBuffer(io, droppingNul: true), let tag = loadBuffer(io, droppingNul: false),
              let source = loadBuffer(io, droppingNul: true) else { return nil }
        let count = rm_load_unsigned(io)
        guard rm_is_io_error(io) == 0 else { return nil }
        var entryPoints: [String] = []
        var remaining = count
        // Each entry point is read from the stream before the next: a forged count fails at
        // the first missing one instead of allocating.
        while remaining > 0 {
            guard let name = loadBuffer(io, droppingNul: true) else { return nil }
            entryPoints.append(String(decoding: name, as: UTF8.self))
            remaining -= 1
        }
        var key: [UInt8] = []
        if let name = rm_key_name_from_io(io) {
            var size = 0
            if let pointer = rm_string_ptr_len(name, &size) { key = Array(UnsafeRawBufferPointer(start: pointer, count: size)) }
        }
        var compiled: CompiledScript? = nil
        var compileError: String? = nil
        if let library = Backends.loadQuietly(.torch) {
            do throws(BackendError) {
                compiled = try ScriptValue.compile(source, device: String(decoding: device, as: UTF8.self),
                                                   entryPoints: entryPoints, with: library)
            } catch {
                Log.warning("AI_SCRIPT: the stored script does not compile: \(error.message)")
                compileError = error.message
            }
        } else {
            compileError = ModelExecutors.notLoaded(.torch)
        }
        let script = ScriptValue(key: key, device: device, tag: tag, source: source, entryPoints: entryPoints,
                                 compiled: compiled, compileError: compileError)
        Statistics.register(script.stats)
        return Unmanaged.passRetained(script).toOpaque()
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

    /// `AI.SCRIPTSTORE key <device> TAG <tag> ENTRY_POINTS k <eps…> SOURCE <src>`, or for a
    /// script without entry points (stored with the deprecated command)
    /// `AI.SCRIPTSET key <device> TAG <tag> SOURCE <src>`, which is what replays it.
    static func rewrite(_ script: ScriptValue, key: OpaquePointer, to io: OpaquePointer) {
        var vector = StringVector()
        vector.append(script.device)
        vector.append("TAG")
        vector.append(script.tag)
        if !script.entryPoints.isEmpty {
            vector.append("ENTRY_POINTS")
            vector.append(Int64(script.entryPoints.count))
            for entryPoint in script.entryPoints { vector.append(entryPoint) }
        }
        vector.append("SOURCE")
        vector.append(script.source)
        let command = script.entryPoints.isEmpty ? "AI.SCRIPTSET" : "AI.SCRIPTSTORE"
        vector.withVector { rm_emit_aof_sv(io, command, key, $0, $1) }
    }
}
