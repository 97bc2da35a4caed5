/// The inline policy for tiny model runs: a run of a fast-path ONNX model (see
/// ``FusedONNXModel``) whose expected duration is at most `INLINE_RUN_MICROSECONDS`
/// (default 200 µs, at most 10 ms, 0 = never) runs on Redis's main thread, inside the
/// `AI.MODELEXECUTE` callback, instead of on a worker.
///
/// Handing a run to a worker costs two thread wake-ups (the worker's, then the main
/// thread's to send the reply), tens of microseconds each on a loaded machine: as much as
/// running one DiffusionResNet sample. Inline, the client gets its reply in the same
/// event-loop turn. The bound keeps the main thread's stall no longer than a slow Redis
/// command. The expected duration is the model's measured time per sample (a moving
/// average over its earlier runs) times the batch, so a model's first run, and every run
/// of a model not on the fast path or stored with `BATCHSIZE` (its runs are for the queue
/// to batch), goes to a worker.
///
/// Inline runs reply and store outputs exactly as a worker's run does (every output key
/// checked first, then written and replicated) and count in the model's statistics.
enum InlineRun {
    /// Runs `model` on `inputs` on the main thread and replies, when the policy allows;
    /// returns whether it did.
    static func attempt(_ model: ModelValue, inputs: [TensorValue], outputKeys: [OpaquePointer],
                        in ctx: Context) throws(CommandError) -> Bool {
        let budget = Configuration.current.inlineRunMicroseconds
        // A model stored with BATCHSIZE asks for its runs to be batched on the queue.
        guard budget > 0, model.definition.batchSize == 0, let fused = model.session as? FusedONNXModel, inputs.count == 1,
              let batch = inputs[0].shape.first, let expected = fused.expectedMicroseconds(batch: Int(clamping: batch)),
              expected <= budget else { return false }
        let start = BlockedJob.now()
        let outputs: [TensorValue]
        do throws(ModelExecutionError) {
            outputs = try fused.run(values: inputs)
        } catch {
            Statistics.record(model.stats, microseconds: Int64(clamping: (BlockedJob.now() &- start) / 1000), samples: 0, failed: true)
            throw CommandError(error.message)
        }
        Statistics.record(model.stats, microseconds: Int64(clamping: (BlockedJob.now() &- start) / 1000),
                          samples: outputs.first?.shape.first ?? 0, failed: false)
        guard outputs.count == outputKeys.count else { throw CommandError("ERR Model did not generate the expected number of outputs") }
        try ctx.storeOutputTensors(outputs, under: outputKeys)
        ctx.replyOK()
        return true
    }
}
