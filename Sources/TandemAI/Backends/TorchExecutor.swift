import CTandemBackend
import TandemTensor

/// TORCH models through a loaded backend library: `AI.MODELSTORE … TORCH` hands the
/// TorchScript bytes to the library (on a worker; bytes it refuses are refused with its
/// reason), and runs go straight from the stored tensors to the library and back.
struct TorchExecutor: ModelExecutor {
    let library: BackendLibrary

    var version: String { library.version }

    func load(_ blob: UnsafeRawBufferPointer, options: ModelOptions) throws(ModelExecutionError) -> any LoadedModel {
        guard let load = library.api.model_load else { throw ModelExecutionError("ERR the TORCH backend cannot load models") }
        var info = TandemBackendModelInfo()
        let (handle, error) = BackendLibrary.withErrorBuffer { error, capacity in
            load(blob.baseAddress, blob.count, options.device, &info, error, capacity)
        }
        guard let handle else { throw ModelExecutionError(error) }
        return TorchLoadedModel(library: library, handle: handle, inputCount: info.input_count, outputCount: info.output_count)
    }
}

/// A TorchScript model held by the backend library; freed with it when the last value and
/// run let go of it.
final class TorchLoadedModel: StoredTensorModel, @unchecked Sendable {
    private let library: BackendLibrary
    private let handle: UnsafeMutableRawPointer
    let inputNames: [String]
    let outputNames: [String]
    let declaresOutputCount: Bool

    init(library: BackendLibrary, handle: UnsafeMutableRawPointer, inputCount: Int, outputCount: Int) {
        self.library = library
        self.handle = handle
        // TorchScript has no tensor names in its signature that RedisAI reports; names
        // only count here.
        inputNames = (0..<min(inputCount, 4096)).map { "input\($0)" }
        outputNames = (0..<min(outputCount, 4096)).map { "output\($0)" }
        declaresOutputCount = outputCount > 0
    }

    deinit { library.api.model_free?(handle) }

    func run(_ inputs: [Tensor]) throws(ModelExecutionError) -> [Tensor] {
        throw ModelExecutionError("ERR TORCH models run on stored tensors")
    }

    func run(values inputs: [TensorValue]) throws(ModelExecutionError) -> [TensorValue] {
        guard let run = library.api.model_run, let free = library.api.free_tensors else {
            throw ModelExecutionError("ERR the TORCH backend cannot run models")
        }
        do throws(BackendError) {
            return try BackendTensors.withViews(of: inputs) { views, count throws(BackendError) -> [TensorValue] in
                var outputs: UnsafeMutablePointer<TandemBackendTensor>? = nil
                var outputCount = 0
                let (status, error) = BackendLibrary.withErrorBuffer { error, capacity in
                    run(handle, views, count, &outputs, &outputCount, error, capacity)
                }
                defer { if let outputs { free(outputs, outputCount) } }
                guard status == 0 else { throw BackendError(error) }
                return try BackendTensors.values(outputs, count: outputCount)
            }
        } catch {
            throw ModelExecutionError(error.message)
        }
    }
}
