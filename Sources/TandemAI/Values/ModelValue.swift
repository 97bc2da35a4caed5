import CRedisModule

/// What `AI.MODELSTORE` declares about a model, apart from its blob.
struct ModelDefinition: Sendable {
    var backend: Backend
    /// The device string exactly as given (case kept).
    var device: [UInt8]
    /// The tag, empty when none (binary-safe).
    var tag: [UInt8] = []
    var batchSize: Int64 = 0
    var minBatchSize: Int64 = 0
    var minBatchTimeout: Int64 = 0
    /// Input and output names as given (TF only; other backends take them from the model).
    var inputs: [String] = []
    var outputs: [String] = []

    /// The device as text.
    var deviceName: String { String(decoding: device, as: UTF8.self) }
}

/// A model stored in a key: its definition, its blob in Redis-allocated memory, and the
/// prepared model when a runtime for its backend is built in.
///
/// Immutable, shared by reference with running jobs. `deinit` may run on any thread.
final class ModelValue: @unchecked Sendable {
    let definition: ModelDefinition
    let blob: UnsafeMutableRawPointer
    let blobCount: Int
    /// The prepared model, or `nil` when there is no runtime or it refused the blob.
    let session: (any LoadedModel)?
    /// Why ``session`` is `nil`: the reply a run gets.
    let sessionError: String?
    /// This model's entry in ``Statistics``.
    let stats: RunStats

    /// Adopts `blob` (from `RedisModule_Alloc`, `blobCount` bytes).
    init(definition: ModelDefinition, key: [UInt8], adopting blob: UnsafeMutableRawPointer, blobCount: Int,
         session: (any LoadedModel)?, sessionError: String?) {
        self.definition = definition
        self.blob = blob
        self.blobCount = blobCount
        self.session = session
        self.sessionError = sessionError
        self.stats = RunStats(key: key, backend: definition.backend, device: definition.device, tag: definition.tag)
    }

    deinit {
        Statistics.remove(stats)
        rm_free(blob)
    }

    /// The blob as a buffer.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: blob, count: blobCount) }

    /// Input names: the runtime's, else the declared ones.
    var inputs: [String] { session?.inputNames ?? definition.inputs }
    /// Output names: the runtime's, else the declared ones.
    var outputs: [String] { session?.outputNames ?? definition.outputs }

    /// The bytes Redis should account for this value (`MEMORY USAGE`).
    var memoryUsage: Int { blobCount + definition.device.count + definition.tag.count + 256 }

    /// Prepares `blob` with the runtime for the definition's backend and wraps it all in a
    /// model value. Runs on a worker, or on the main thread while loading.
    ///
    /// - Parameter keepRefused: keep a blob the runtime refuses, with the refusal as
    ///   ``sessionError`` (RDB loading must not lose data), instead of throwing.
    /// - Throws: the runtime's error (a store then fails with that text); `blob` is freed.
    static func prepare(_ definition: ModelDefinition, key: [UInt8], adopting blob: UnsafeMutableRawPointer,
                        blobCount: Int, options: ModelOptions,
                        keepRefused: Bool = false) throws(ModelExecutionError) -> ModelValue {
        var session: (any LoadedModel)? = nil
        var sessionError: String? = nil
        if let executor = ModelExecutors.executor(for: definition.backend) {
            do throws(ModelExecutionError) {
                session = try executor.load(UnsafeRawBufferPointer(start: blob, count: blobCount), options: options)
            } catch {
                guard keepRefused else {
                    rm_free(blob)
                    throw error
                }
                sessionError = error.message
            }
        } else {
            sessionError = ModelExecutors.notLoaded(definition.backend)
        }
        return ModelValue(definition: definition, key: key, adopting: blob, blobCount: blobCount,
                          session: session, sessionError: sessionError)
    }

    /// Cuts the blob into `MODEL_CHUNK_SIZE` pieces the RedisAI way: `L / C + 1`
    /// chunks, all `C` bytes except the last (`L % C`, so empty when `C` divides `L`).
    func forEachChunk(size: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        let size = max(size, 1)
        let chunks = blobCount / size + 1
        for i in 0..<chunks {
            let start = i * size
            let length = i == chunks - 1 ? blobCount - start : size
            body(UnsafeRawBufferPointer(start: blob + start, count: length))
        }
    }

    /// The number of chunks ``forEachChunk(size:_:)`` makes.
    func chunkCount(size: Int) -> Int { blobCount / max(size, 1) + 1 }
}
