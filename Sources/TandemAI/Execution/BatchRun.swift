import CRedisModule
import TandemTensor

/// One run of a model for several `AI.MODELEXECUTE` requests at once (auto-batching, for
/// models stored with `BATCHSIZE`): each input is joined along dim 0 in queue order, the
/// model runs once, and each output is cut back along dim 0 so that every request gets
/// exactly its own rows. Worker thread; nothing here touches Redis keys.
///
/// The queue (``WorkerPool``) decides which requests join (``BatchSignature``,
/// ``BatchLimits``). Every request counts in `AI.INFO` as RedisAI counts it: one call, the
/// batch's run time as duration and its own rows as samples, or one call and one error
/// when the batch failed.
enum BatchRun {
    /// Runs `jobs` (two or more runs of one model with joinable signatures) as one batch and
    /// leaves each job's outputs or failure in it.
    static func execute(_ jobs: [ModelRunJob]) {
        let start = BlockedJob.now()
        var live: [ModelRunJob] = []
        for job in jobs {
            if job.hasExpired(at: start) { job.timedOut = true } else { live.append(job) }
        }
        guard live.count > 1 else {
            live.first?.execute()
            return
        }
        guard let model = live[0].model else { return }
        var results: [[TensorValue]] = []
        var failure: String?
        do throws(ModelExecutionError) {
            let joined = try join(live.map(\.inputs))
            let outputs = try ModelRunJob.run(model, inputs: joined, outputCount: live[0].outputCount)
            results = try split(outputs, rows: live.map { $0.signature?.rows ?? 0 })
        } catch {
            failure = error.message
        }
        let microseconds = Int64(clamping: (BlockedJob.now() &- start) / 1000)
        var samples: Int64 = 0
        for (i, job) in live.enumerated() {
            if let failure {
                job.failure = failure
            } else {
                job.outputs = results[i]
                samples &+= results[i].first?.shape.first ?? 0
            }
        }
        Statistics.recordBatch(model.stats, requests: live.count, microseconds: microseconds, samples: samples, failed: failure != nil)
    }

    /// Joins every request's input `k` along dim 0, for each `k`. The requests' signatures
    /// already agree on input count, element types and trailing dimensions.
    static func join(_ requests: [[TensorValue]]) throws(ModelExecutionError) -> [TensorValue] {
        guard let first = requests.first else { return [] }
        var joined: [TensorValue] = []
        joined.reserveCapacity(first.count)
        for k in first.indices {
            var rows: Int64 = 0
            var bytes = 0
            for inputs in requests {
                guard k < inputs.count, inputs[k].dtype == first[k].dtype,
                      inputs[k].shape.dropFirst() == first[k].shape.dropFirst(), let dim0 = inputs[k].shape.first else {
                    throw ModelExecutionError("ERR batched inputs do not agree in shape")
                }
                let (r, o1) = rows.addingReportingOverflow(dim0)
                let (b, o2) = bytes.addingReportingOverflow(inputs[k].byteCount)
                guard !o1, !o2 else { throw ModelExecutionError("ERR batch too large") }
                rows = r
                bytes = b
            }
            var shape = first[k].shape
            shape[0] = rows
            guard let count = TensorValue.elementCount(of: shape),
                  TensorValue.byteCount(of: first[k].dtype, count: count) == bytes,
                  let data = rm_alloc(max(bytes, 1)) else {
                throw ModelExecutionError("ERR batch too large")
            }
            var offset = 0
            for inputs in requests where inputs[k].byteCount > 0 {
                (data + offset).copyMemory(from: inputs[k].data, byteCount: inputs[k].byteCount)
                offset += inputs[k].byteCount
            }
            joined.append(TensorValue(dtype: first[k].dtype, shape: shape, count: count, adopting: data, byteCount: bytes))
        }
        return joined
    }

    /// Cuts every output along dim 0 into consecutive pieces of `rows[i]` rows, one list of
    /// outputs per request.
    ///
    /// - Throws: `ERR Model did not generate the expected batch size` (RedisAI's text) when
    ///   an output's dim 0 is not the batch's total rows.
    static func split(_ outputs: [TensorValue], rows: [Int]) throws(ModelExecutionError) -> [[TensorValue]] {
        let total = rows.reduce(0, +)
        var pieces = Array(repeating: [TensorValue](), count: rows.count)
        for output in outputs {
            guard let dim0 = output.shape.first, dim0 == Int64(total), total > 0 else {
                throw ModelExecutionError("ERR Model did not generate the expected batch size")
            }
            guard output.dtype.elementSize != nil, output.byteCount % total == 0 else {
                throw ModelExecutionError("ERR Model output of type \(output.dtype.rawValue) cannot be split into batches")
            }
            let rowBytes = output.byteCount / total
            let rowElements = output.count / total
            var offset = 0
            for (i, n) in rows.enumerated() {
                var shape = output.shape
                shape[0] = Int64(n)
                let piece = UnsafeRawBufferPointer(start: output.data + offset * rowBytes, count: n * rowBytes)
                pieces[i].append(TensorValue.copying(piece, dtype: output.dtype, shape: shape, count: n * rowElements))
                offset += n
            }
        }
        return pieces
    }
}
