import CRedisModule
import TandemTensor

/// One DAG on a worker: its ops run in order on the DAG's own tensor table; the reply and
/// the PERSIST writes happen on the main thread (see “DAGs” in Documentation/RedisModule.md).
///
/// The run stops at the first op that fails; the ops after it are not run (`NA`). Before
/// each op the DAG's TIMEOUT is checked against the time since it was queued; past it the
/// whole reply is `+TIMEDOUT`. Nothing is persisted unless every op succeeded.
final class DAGRunJob: BlockedJob, @unchecked Sendable {
    /// What became of a model or script op.
    enum Outcome {
        case notRun
        case succeeded
        case failed(String)
    }

    /// Emptied on the main thread when the job is freed (see ``releaseOnMainThread()``).
    private var plan: DAGPlan
    private var outcomes: [Outcome]
    private var timedOut = false

    init(_ plan: DAGPlan) {
        self.plan = plan
        self.outcomes = Array(repeating: .notRun, count: plan.ops.count)
    }

    override func execute() {
        for i in plan.ops.indices {
            if plan.timeout > 0 && (BlockedJob.now() &- queuedAt) / 1_000_000 > UInt64(plan.timeout) {
                timedOut = true
                return
            }
            let op = plan.ops[i]
            guard op.runs else { continue }
            var inputs: [TensorValue] = []
            inputs.reserveCapacity(op.inputSlots.count)
            for slot in op.inputSlots {
                // Every input is a LOADed tensor or the output of an earlier op that succeeded.
                guard slot < plan.slots.count, let tensor = plan.slots[slot] else {
                    outcomes[i] = .failed("ERR INPUT key cannot be found in DAG")
                    return
                }
                inputs.append(tensor)
            }
            let start = BlockedJob.now()
            let result = run(op, inputs: inputs)
            let microseconds = Int64(clamping: (BlockedJob.now() &- start) / 1000)
            switch result {
            case .success(let outputs):
                for (slot, tensor) in zip(op.outputSlots, outputs) where slot < plan.slots.count { plan.slots[slot] = tensor }
                outcomes[i] = .succeeded
                record(op, microseconds: microseconds, samples: outputs.first?.shape.first ?? 0, failed: false)
            case .failure(let error):
                outcomes[i] = .failed(error.message)
                record(op, microseconds: microseconds, samples: 0, failed: true)
                return
            }
        }
    }

    /// Runs one model or script op on `inputs`.
    private func run(_ op: DAGOp, inputs: [TensorValue]) -> Result<[TensorValue], CommandError> {
        switch op.kind {
        case .model(let model):
            do throws(ModelExecutionError) {
                return .success(try ModelRunJob.run(model, inputs: inputs, outputCount: op.outputSlots.count))
            } catch {
                return .failure(CommandError(error.message))
            }
        case .script(let script, let function, let variadicStart, let keys, let arguments):
            do throws(BackendError) {
                guard let compiled = script.compiled else {
                    throw BackendError(script.compileError ?? ModelExecutors.notLoaded(.torch))
                }
                let results = try compiled.run(function, inputs: inputs, variadicStart: variadicStart, keys: keys, args: arguments)
                guard results.count == op.outputSlots.count else {
                    throw BackendError("Function returned unexpected number of outputs - \(function) (\(results.count) returned, \(op.outputSlots.count) OUTPUTS given)")
                }
                return .success(results)
            } catch {
                return .failure(CommandError(error.message))
            }
        case .tensorSet, .tensorGet:
            return .success([])
        }
    }

    /// Counts a run in the model's or script's statistics (scripts count no samples).
    private func record(_ op: DAGOp, microseconds: Int64, samples: Int64, failed: Bool) {
        switch op.kind {
        case .model(let model): Statistics.record(model.stats, microseconds: microseconds, samples: samples, failed: failed)
        case .script(let script, _, _, _, _): Statistics.record(script.stats, microseconds: microseconds, samples: 0, failed: failed)
        case .tensorSet, .tensorGet: break
        }
    }

    /// `+TIMEDOUT`, or one element per op: `OK` (TENSORSET, a model or script op that ran),
    /// the TENSORGET reply (`NA` for a tensor never made), the op's error, or `NA` for an op
    /// not run. When every op succeeded the PERSIST tensors are written and replicated
    /// first; if that fails (a key of another type: nothing written) its error is one more
    /// element.
    override func reply(_ ctx: Context) throws(CommandError) {
        if timedOut { return ctx.replySimple("TIMEDOUT") }
        var persistError: CommandError? = nil
        let failed = outcomes.contains { if case .failed = $0 { true } else { false } }
        if !failed && !plan.persistKeys.isEmpty {
            let tensors = plan.persistSlots.compactMap { $0 < plan.slots.count ? plan.slots[$0] : nil }
            if tensors.count != plan.persistKeys.count {
                persistError = CommandError("ERR PERSIST key cannot be found in DAG")
            } else {
                do throws(CommandError) { try ctx.storeOutputTensors(tensors, under: plan.persistKeys) } catch { persistError = error }
            }
        }
        ctx.replyArray(plan.ops.count + (persistError == nil ? 0 : 1))
        for (op, outcome) in zip(plan.ops, outcomes) {
            switch op.kind {
            case .tensorSet:
                ctx.replyOK()
            case .tensorGet(let format):
                if let slot = op.inputSlots.first, slot < plan.slots.count, let tensor = plan.slots[slot] {
                    TensorGet.reply(tensor, format, in: ctx)
                } else {
                    ctx.replySimple("NA")
                }
            case .model, .script:
                switch outcome {
                case .succeeded: ctx.replyOK()
                case .failed(let message): ctx.replyError(message)
                case .notRun: ctx.replySimple("NA")
                }
            }
        }
        if let persistError { ctx.replyError(persistError.message) }
    }

    /// Frees the PERSIST names and drops the tensors, models and scripts on the main thread,
    /// so a deleted model's lifetime (and statistics) never outlasts its key on a worker.
    override func releaseOnMainThread() {
        for key in plan.persistKeys { rm_free_string(nil, key) }
        plan.persistKeys = []
        plan.ops = []
        plan.slots = []
    }
}
