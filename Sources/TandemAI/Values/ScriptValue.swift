import CRedisModule
import CTandemBackend

/// A TorchScript script stored in a key (`AI.SCRIPTSTORE`/`AI.SCRIPTSET`): its device,
/// tag, source and entry points, and the compiled script when the TORCH backend is loaded.
///
/// Immutable, shared by reference with running jobs. `deinit` may run on any thread.
final class ScriptValue: @unchecked Sendable {
    /// The device string exactly as given (case kept).
    let device: [UInt8]
    /// The tag, empty when none (binary-safe).
    let tag: [UInt8]
    /// The source text.
    let source: [UInt8]
    /// The functions `AI.SCRIPTEXECUTE` may call; empty for a script stored with the
    /// deprecated `AI.SCRIPTSET` (any function may then be called).
    let entryPoints: [String]
    /// The compiled script, or `nil` when the backend is missing or refused the source
    /// (a script read from RDB is kept either way, so no data is lost).
    let compiled: CompiledScript?
    /// Why ``compiled`` is `nil`: the reply a run gets.
    let compileError: String?
    /// This script's entry in ``Statistics``.
    let stats: RunStats

    init(key: [UInt8], device: [UInt8], tag: [UInt8], source: [UInt8], entryPoints: [String],
         compiled: CompiledScript?, compileError: String?) {
        self.device = device
        self.tag = tag
        self.source = source
        self.entryPoints = entryPoints
        self.compiled = compiled
        self.compileError = compileError
        self.stats = RunStats(key: key, backend: .torch, device: device, tag: tag, isScript: true)
    }

    deinit { Statistics.remove(stats) }

    /// The device as text.
    var deviceName: String { String(decoding: device, as: UTF8.self) }

    /// The bytes Redis should account for this value (`MEMORY USAGE`).
    var memoryUsage: Int { source.count + device.count + tag.count + entryPoints.reduce(0) { $0 + $1.utf8.count + 16 } + 256 }

    /// Compiles `source` with `library` and checks every entry point (it exists and takes
    /// `(List[Tensor], List[str], List[str])`).
    ///
    /// - Throws: the backend's reason, for the store's error reply.
    static func compile(_ source: [UInt8], device: String, entryPoints: [String],
                        with library: BackendLibrary) throws(BackendError) -> CompiledScript {
        guard let compile = library.api.script_compile, let check = library.api.script_check else {
            throw BackendError("ERR the TORCH backend cannot compile scripts")
        }
        let (handle, error) = BackendLibrary.withErrorBuffer { error, capacity in
            source.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { compile($0.baseAddress, $0.count, device, error, capacity) }
            }
        }
        guard let handle else { throw BackendError(error) }
        let script = CompiledScript(library: library, handle: handle)
        for entryPoint in entryPoints {
            let (status, reason) = BackendLibrary.withErrorBuffer { error, capacity in
                check(handle, entryPoint, 1, error, capacity)
            }
            guard status == 0 else { throw BackendError(reason) }
        }
        return script
    }
}

/// A script compiled by a backend library; freed by it when the last value and run let go.
final class CompiledScript: @unchecked Sendable {
    let library: BackendLibrary
    let handle: UnsafeMutableRawPointer

    init(library: BackendLibrary, handle: UnsafeMutableRawPointer) {
        self.library = library
        self.handle = handle
    }

    deinit { library.api.script_free?(handle) }

    /// Whether the script defines `function` (any signature).
    func hasFunction(_ function: String) -> Bool {
        guard let check = library.api.script_check else { return false }
        return BackendLibrary.withErrorBuffer { error, capacity in check(handle, function, 0, error, capacity) }.0 == 0
    }

    /// Runs `function` on a worker thread.
    ///
    /// - Parameter variadicStart: the index of the first input of the `$` group of
    ///   `AI.SCRIPTRUN`, or `nil`.
    func run(_ function: String, inputs: [TensorValue], variadicStart: Int?, keys: [[UInt8]],
             args: [[UInt8]]) throws(BackendError) -> [TensorValue] {
        guard let run = library.api.script_run, let free = library.api.free_tensors else {
            throw BackendError("ERR the TORCH backend cannot run scripts")
        }
        let handle = self.handle
        return try BackendTensors.withViews(of: inputs) { views, count throws(BackendError) -> [TensorValue] in
            try Self.withStrings(keys) { keyViews, keyCount throws(BackendError) -> [TensorValue] in
                try Self.withStrings(args) { argViews, argCount throws(BackendError) -> [TensorValue] in
                    var outputs: UnsafeMutablePointer<TandemBackendTensor>? = nil
                    var outputCount = 0
                    let (status, error) = BackendLibrary.withErrorBuffer { error, capacity in
                        run(handle, function, views, count, Int64(variadicStart ?? -1), keyViews, keyCount,
                            argViews, argCount, &outputs, &outputCount, error, capacity)
                    }
                    defer { if let outputs { free(outputs, outputCount) } }
                    guard status == 0 else { throw BackendError(error) }
                    return try BackendTensors.values(outputs, count: outputCount)
                }
            }
        }
    }

    /// Calls `body` with C views of `strings` (valid only during the call).
    private static func withStrings<Result>(_ strings: [[UInt8]],
                                            _ body: (UnsafePointer<TandemBackendString>?, Int) throws(BackendError) -> Result) throws(BackendError) -> Result {
        // One buffer holds every string, so the views stay valid together.
        let joined: [UInt8] = Array(strings.joined()) + [0]
        return try joined.withUnsafeBufferPointer { bytes throws(BackendError) -> Result in
            var views: [TandemBackendString] = []
            var offset = 0
            let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
            for string in strings {
                views.append(TandemBackendString(data: base + offset, length: string.count))
                offset += string.count
            }
            return try views.withUnsafeBufferPointer { viewBuffer throws(BackendError) -> Result in
                try body(viewBuffer.baseAddress, viewBuffer.count)
            }
        }
    }
}
