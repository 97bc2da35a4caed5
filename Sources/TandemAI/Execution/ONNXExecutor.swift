import ONNX
import TandemONNX
import TandemTensor

/// The ONNX backend: TandemONNX's runtime. `AI.MODELSTORE … ONNX` parses and plans the blob
/// once (on a worker; a bad blob is refused then, with the reason), and each
/// `AI.MODELEXECUTE` runs the planned model on a worker. Sessions are reentrant, so several
/// workers may run one model at once.
struct ONNXExecutor: ModelExecutor {
    var version: String { "TandemONNX 1.0 (opset \(ONNXGraphBuilder.opsetVersion))" }

    func load(_ blob: UnsafeRawBufferPointer, options: ModelOptions) throws(ModelExecutionError) -> any LoadedModel {
        do throws(ONNXError) {
            return ONNXLoadedModel(session: try ONNXSession(serialized: Array(blob)))
        } catch {
            throw ModelExecutionError("ERR \(error.description)")
        }
    }
}

/// A planned ONNX model.
final class ONNXLoadedModel: LoadedModel, @unchecked Sendable {
    let session: ONNXSession
    init(session: ONNXSession) { self.session = session }

    var inputNames: [String] { session.inputNames }
    var outputNames: [String] { session.outputNames }

    /// Runs the model; input problems get onnxruntime's wording, as RedisAI replies them.
    func run(_ inputs: [Tensor]) throws(ModelExecutionError) -> [Tensor] {
        do throws(ONNXError) {
            return try session.run(inputs)
        } catch {
            switch error {
            case .invalid(let message) where message.hasPrefix("Got invalid dimensions"): throw ModelExecutionError(message)
            case .invalid(let message): throw ModelExecutionError("ERR \(message)")
            default: throw ModelExecutionError("ERR \(error.description)")
            }
        }
    }
}
