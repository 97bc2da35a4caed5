import Glibc
import ONNX
import TandemNN
import TandemTensor

/// A runnable ONNX model: parsed, validated and planned once, then run any number of times,
/// from any number of threads at once, on TandemNN's kernels.
///
/// Inputs are float32 tensors; the operators are those of ``ONNXPlan/operators`` in NCHW
/// (convolutions and pools 2-D, any channel count). Integer tensors (shapes, axes, indices,
/// masks) must be known when planning: constants, or values computed from constants and
/// from the shapes of values, as exporters compute shapes (`Shape` → `Gather` → `Concat` →
/// `Reshape`). A model that reads shapes is planned for each set of input shapes it meets
/// (the last few plans are kept); others are planned once. When every operator treats samples
/// independently (CNNs like DiffusionResNet), a batch is split into groups of a few samples
/// that run on separate replicas of the graph (own buffers, shared weights) over a compute
/// pool shared by every session (groups of ``matrixGroupSize`` for models with `Gemm` or
/// `MatMul`, whose products read every weight once per group); otherwise one replica runs
/// the whole batch.
///
/// ```swift
/// let session = try ONNXSession(serialized: bytes)
/// let outputs = try session.run([input])   // [Tensor]
/// ```
public final class ONNXSession: @unchecked Sendable {
    /// The graph's input names, in order.
    public let inputNames: [String]
    /// The graph's output names, in order.
    public let outputNames: [String]
    /// Samples per task when a batch is split.
    public let groupSize: Int
    /// The plan for every input shape, or nil when the model reads shapes (then planned per input shapes).
    let plan: ONNXPlan?
    /// Declared input shapes (`nil` entries are dynamic dimensions).
    let declaredShapes: [[Int?]?]
    private let model: ONNXModel
    private var spare: [Replica] = []
    /// Plans for input shapes (models that read shapes), most recently used last.
    private var bound: [(shapes: [[Int]], plan: ONNXPlan, spare: [Replica])] = []
    private var mutex = pthread_mutex_t()

    /// Plans kept for models planned per input shapes.
    static let boundPlanLimit = 8

    /// Samples per task when a batch of a model with `Gemm` or `MatMul` is split (at least
    /// ``groupSize``): one product over this many rows reads each weight once for all of
    /// them, as fast per row as a larger one, and bounds a replica's buffers.
    static let matrixGroupSize = 64

    /// Parses and plans ONNX bytes.
    ///
    /// - Throws: ``ONNXError`` naming what is malformed, invalid or unsupported.
    public convenience init(serialized bytes: [UInt8], groupSize: Int = 4) throws(ONNXError) {
        try self.init(model: ONNXModel(serialized: bytes), groupSize: groupSize)
    }

    /// Plans a decoded model, then runs its shape inference once on a batch of one (when
    /// every input's other dimensions are declared) so inconsistent models fail here. A
    /// model that computes shapes from its values' shapes (`Shape`) is planned for each set
    /// of input shapes it meets (the last few plans are kept).
    public init(model: ONNXModel, groupSize: Int = 4) throws(ONNXError) {
        if ONNXPlan.readsShapes(model) {
            plan = nil
            declaredShapes = try ONNXPlan.check(model).inputShapes
        } else {
            let plan = try ONNXPlan(model)
            self.plan = plan
            declaredShapes = plan.inputShapes
        }
        self.model = model
        let declared = model.graph.inputs.filter { input in !model.graph.initializers.contains { $0.name == input.name } }
        inputNames = declared.map(\.name)
        outputNames = model.graph.outputs.map(\.name)
        self.groupSize = max(groupSize, 1)
        pthread_mutex_init(&mutex, nil)
        let probe = declaredShapes.map { shape in shape.flatMap { dims -> [Int]? in
            guard dims.dropFirst().allSatisfy({ $0 != nil }) else { return nil }
            return dims.map { $0 ?? 1 }
        } }
        if probe.allSatisfy({ $0 != nil }) {
            let shapes = probe.map { $0! }
            if let plan {
                _ = try plan.shapes(shapes)
            } else {
                give(try planFor(shapes), shapes: shapes)
            }
        }
    }

    deinit { pthread_mutex_destroy(&mutex) }

    /// Runs the model.
    ///
    /// - Throws: ``ONNXError`` when the inputs do not fit the model (count, dtype, shape),
    ///   with onnxruntime's wording where RedisAI's clients may know it.
    public func run(_ inputs: [Tensor]) throws(ONNXError) -> [Tensor] {
        guard inputs.count == inputNames.count else {
            throw .invalid("Expected \(inputNames.count) inputs but got \(inputs.count)")
        }
        for (i, tensor) in inputs.enumerated() {
            guard tensor.dtype == .float else {
                throw .invalid("Unexpected input data type. Actual: (tensor(\(tensor.dtype.rawValue.lowercased()))) , expected: (tensor(float))")
            }
            if let declared = declaredShapes[i] {
                guard declared.count == tensor.shape.count else {
                    throw .invalid("Invalid rank for input: \(inputNames[i]) Got: \(tensor.shape.count) Expected: \(declared.count) Please fix either the inputs or the model.")
                }
                for (axis, (want, got)) in zip(declared, tensor.shape).enumerated() where want != nil && want != got {
                    throw .invalid("Got invalid dimensions for input: \(inputNames[i]) for the following indices index: \(axis) Got: \(got) Expected: \(want!) Please fix either the inputs or the model.")
                }
            }
        }
        let inputShapes = inputs.map(\.shape)
        let replica = try take(inputShapes)
        defer { give(replica, shapes: inputShapes) }
        let plan = replica.plan
        let valueShapes = try plan.shapes(inputShapes)
        let outputShapes = plan.outputs.map { valueShapes[$0]! }
        let results = outputShapes.map { UnsafeMutablePointer<Float>.allocate(capacity: max($0.reduce(1, *), 1)) }
        defer { results.forEach { $0.deallocate() } }
        let batch = inputShapes.first?.first ?? 0
        // A model with matrix products splits into larger groups: each group reads every
        // weight once, and matrix products only get their speed from many rows at once.
        let group = plan.multipliesMatrices ? max(groupSize, Self.matrixGroupSize) : groupSize
        let split = plan.separable && batch > group && inputShapes.allSatisfy { $0.first == batch }
            && outputShapes.allSatisfy { $0.first == batch }
        if split {
            try runSplit(plan, inputs, batch: batch, group: group, into: results, outputShapes: outputShapes)
        } else {
            let sources = inputs.map { tensor in tensor.withUnsafeBufferPointer(as: Float.self) { Array($0) } }
            let outputs = try sources.withUnsafePointers { pointers throws(ONNXError) in
                try replica.execute(plan, inputs: zip(pointers, inputShapes).map { ($0, $1) })
            }
            for (o, slot) in outputs.enumerated() { results[o].update(from: slot.pointer, count: slot.count) }
        }
        return zip(outputShapes, results).map { shape, pointer in
            Tensor(shape: shape, scalars: Array(UnsafeBufferPointer(start: pointer, count: shape.reduce(1, *))))
        }
    }

    private func runSplit(_ plan: ONNXPlan, _ inputs: [Tensor], batch: Int, group groupSize: Int,
                          into outPointers: [UnsafeMutablePointer<Float>], outputShapes: [[Int]]) throws(ONNXError) {
        let groups = (batch + groupSize - 1) / groupSize
        let sources = inputs.map { tensor in tensor.withUnsafeBufferPointer(as: Float.self) { Array($0) } }
        let inputPer = inputs.map { $0.shape.dropFirst().reduce(1, *) }
        let outputPer = outputShapes.map { $0.dropFirst().reduce(1, *) }
        var failure: ONNXError?
        SharedPool.shared.withPool { pool in
            let workers = pool?.threads ?? 1
            let replicas = (0..<workers).map { _ in takeGeneral() }
            defer { replicas.forEach { give($0, shapes: []) } }
            sources.withUnsafePointers { inPointers in
                do {
                    let body: (Int, Int) -> Void = { group, worker in
                        let first = group * groupSize, count = min(groupSize, batch - first)
                        let slices = inputs.indices.map { i in
                            (inPointers[i] + first * inputPer[i], [count] + inputs[i].shape.dropFirst())
                        }
                        do throws(ONNXError) {
                            let outs = try replicas[worker].execute(plan, inputs: slices)
                            for (o, slot) in outs.enumerated() {
                                (outPointers[o] + first * outputPer[o]).update(from: slot.pointer, count: count * outputPer[o])
                            }
                        } catch {
                            failure = error
                        }
                    }
                    if let pool { pool.run(tasks: groups, body) } else { for g in 0..<groups { body(g, 0) } }
                }
            }
        }
        if let failure { throw failure }
    }

    /// Every value's shape for these input shapes (nil for integer operands).
    func shapes(_ inputShapes: [[Int]]) throws(ONNXError) -> [[Int]?] {
        if let plan { return try plan.shapes(inputShapes) }
        return try planFor(inputShapes).shapes(inputShapes)
    }

    /// A plan for these input shapes (for models that read shapes).
    private func planFor(_ shapes: [[Int]]) throws(ONNXError) -> ONNXPlan {
        let plan = try ONNXPlan(model, inputShapes: shapes)
        _ = try plan.shapes(shapes)
        return plan
    }

    /// A replica able to run these input shapes: of the general plan, or of a plan for them.
    private func take(_ shapes: [[Int]]) throws(ONNXError) -> Replica {
        if plan != nil { return takeGeneral() }
        pthread_mutex_lock(&mutex)
        if let i = bound.firstIndex(where: { $0.shapes == shapes }) {
            let entry = bound.remove(at: i)
            var rest = entry.spare
            let replica = rest.popLast() ?? Replica(entry.plan)
            bound.append((entry.shapes, entry.plan, rest))
            pthread_mutex_unlock(&mutex)
            return replica
        }
        pthread_mutex_unlock(&mutex)
        // Planning happens outside the lock; two threads meeting new shapes may both plan them.
        return Replica(try planFor(shapes))
    }

    private func takeGeneral() -> Replica {
        pthread_mutex_lock(&mutex)
        let replica = spare.popLast()
        pthread_mutex_unlock(&mutex)
        return replica ?? Replica(plan!)
    }

    private func give(_ replica: Replica, shapes: [[Int]]) {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if plan != nil {
            spare.append(replica)
            return
        }
        if let i = bound.firstIndex(where: { $0.shapes == shapes }) {
            bound[i].spare.append(replica)
        } else {
            bound.append((shapes, replica.plan, [replica]))
            if bound.count > Self.boundPlanLimit { bound.removeFirst() }
        }
    }

    private func give(_ plan: ONNXPlan, shapes: [[Int]]) {
        give(Replica(plan), shapes: shapes)
    }
}

/// One executable copy of a plan: its own operators (where they hold buffers) and slots.
final class Replica: @unchecked Sendable {
    let plan: ONNXPlan
    let ops: [Operator]
    let slots: [Slot]

    init(_ plan: ONNXPlan) {
        self.plan = plan
        ops = plan.steps.map { $0.op.replica() }
        slots = (0..<plan.valueCount).map { plan.constants[$0] ?? Slot() }
    }

    /// Runs the plan on inputs (pointer and shape each) and returns the output slots (valid
    /// until the next run of this replica).
    func execute(_ plan: ONNXPlan, inputs: [(UnsafePointer<Float>, [Int])]) throws(ONNXError) -> [Slot] {
        for (i, (pointer, shape)) in zip(plan.inputs, inputs) {
            let slot = slots[i]
            slot.reshape(shape)
            slot.pointer.update(from: pointer, count: slot.count)
        }
        for (op, step) in zip(ops, plan.steps) {
            let inputSlots = step.inputs.map { $0.map { slots[$0] } }
            let shapes = try op.shapes(inputSlots.map { $0?.shape })
            let outs = step.outputs.map { slots[$0] }
            for (o, (out, shape)) in zip(outs, shapes).enumerated() {
                if let source = op.aliases[o], let input = inputSlots[source] {
                    out.map = input.map
                    out.shape = shape
                } else {
                    out.reshape(shape)
                }
            }
            if op.aliases.isEmpty && outs.contains(where: { $0.count > 0 }) { op.run(inputSlots, outs) }
        }
        return plan.outputs.map { slots[$0] }
    }
}

/// The compute pool every session shares, one run at a time: a run that finds it busy (another
/// worker thread is using it) runs on its own thread, which is then already parallel work.
final class SharedPool: @unchecked Sendable {
    static let shared = SharedPool()
    private var pool: ComputePool?
    private var mutex = pthread_mutex_t()

    private init() { pthread_mutex_init(&mutex, nil) }

    func withPool(_ body: (ComputePool?) -> Void) {
        guard pthread_mutex_trylock(&mutex) == 0 else { return body(nil) }
        defer { pthread_mutex_unlock(&mutex) }
        if pool == nil && ComputePool.processorCount > 1 { pool = ComputePool(threads: ComputePool.processorCount) }
        body(pool)
    }
}

extension Array {
    /// Pointers to the contents of each array of an array of arrays.
    func withUnsafePointers<T, R, E: Error>(_ body: ([UnsafePointer<T>]) throws(E) -> R) throws(E) -> R where Element == [T] {
        var pointers: [UnsafePointer<T>] = []
        var result: Result<R, E>?
        func nest(_ i: Int) {
            if i == count {
                do throws(E) { result = .success(try body(pointers)) } catch { result = .failure(error) }
                return
            }
            self[i].withUnsafeBufferPointer { buffer in
                pointers.append(buffer.baseAddress ?? UnsafePointer(bitPattern: 16)!)
                nest(i + 1)
            }
        }
        nest(0)
        return try result!.get()
    }
}
