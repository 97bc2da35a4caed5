import Glibc
import ONNX
import TandemNN
import TandemTensor

/// A runnable ONNX model: parsed, validated and planned once, then run any number of times,
/// from any number of threads at once, on TandemNN's kernels.
///
/// Inputs are float32 tensors; the operators are those of ``ONNXPlan/operators`` in NCHW
/// (convolutions and pools 2-D, any channel count). When every operator treats samples
/// independently (CNNs like DiffusionResNet), a batch is split into groups of a few samples
/// that run on separate replicas of the graph (own buffers, shared weights) over a compute
/// pool shared by every session; otherwise one replica runs the whole batch.
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
    let plan: ONNXPlan
    private var spare: [Replica] = []
    private var mutex = pthread_mutex_t()

    /// Parses and plans ONNX bytes.
    ///
    /// - Throws: ``ONNXError`` naming what is malformed, invalid or unsupported.
    public convenience init(serialized bytes: [UInt8], groupSize: Int = 4) throws(ONNXError) {
        try self.init(model: ONNXModel(serialized: bytes), groupSize: groupSize)
    }

    /// Plans a decoded model, then runs its shape inference once on a batch of one (when
    /// every input's other dimensions are declared) so inconsistent models fail here.
    public init(model: ONNXModel, groupSize: Int = 4) throws(ONNXError) {
        plan = try ONNXPlan(model)
        let declared = model.graph.inputs.filter { input in !model.graph.initializers.contains { $0.name == input.name } }
        inputNames = declared.map(\.name)
        outputNames = model.graph.outputs.map(\.name)
        self.groupSize = max(groupSize, 1)
        pthread_mutex_init(&mutex, nil)
        let probe = plan.inputShapes.map { shape in shape.flatMap { dims -> [Int]? in
            guard dims.dropFirst().allSatisfy({ $0 != nil }) else { return nil }
            return dims.map { $0 ?? 1 }
        } }
        if probe.allSatisfy({ $0 != nil }) {
            _ = try shapes(probe.map { $0! })
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
            if let declared = plan.inputShapes[i] {
                guard declared.count == tensor.shape.count else {
                    throw .invalid("Invalid rank for input: \(inputNames[i]) Got: \(tensor.shape.count) Expected: \(declared.count) Please fix either the inputs or the model.")
                }
                for (axis, (want, got)) in zip(declared, tensor.shape).enumerated() where want != nil && want != got {
                    throw .invalid("Got invalid dimensions for input: \(inputNames[i]) for the following indices index: \(axis) Got: \(got) Expected: \(want!) Please fix either the inputs or the model.")
                }
            }
        }
        let inputShapes = inputs.map(\.shape)
        let valueShapes = try shapes(inputShapes)
        let outputShapes = plan.outputs.map { valueShapes[$0]! }
        let results = outputShapes.map { UnsafeMutablePointer<Float>.allocate(capacity: max($0.reduce(1, *), 1)) }
        defer { results.forEach { $0.deallocate() } }
        let batch = inputShapes.first?.first ?? 0
        let split = plan.separable && batch > groupSize && inputShapes.allSatisfy { $0.first == batch }
            && outputShapes.allSatisfy { $0.first == batch }
        if split {
            try runSplit(inputs, batch: batch, into: results, outputShapes: outputShapes)
        } else {
            let replica = take()
            defer { give(replica) }
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

    private func runSplit(_ inputs: [Tensor], batch: Int, into outPointers: [UnsafeMutablePointer<Float>], outputShapes: [[Int]]) throws(ONNXError) {
        let groups = (batch + groupSize - 1) / groupSize
        let sources = inputs.map { tensor in tensor.withUnsafeBufferPointer(as: Float.self) { Array($0) } }
        let inputPer = inputs.map { $0.shape.dropFirst().reduce(1, *) }
        let outputPer = outputShapes.map { $0.dropFirst().reduce(1, *) }
        var failure: ONNXError?
        SharedPool.shared.withPool { pool in
            let workers = pool?.threads ?? 1
            let replicas = (0..<workers).map { _ in take() }
            defer { replicas.forEach(give) }
            sources.withUnsafePointers { inPointers in
                do {
                    let body: (Int, Int) -> Void = { group, worker in
                        let first = group * self.groupSize, count = min(self.groupSize, batch - first)
                        let slices = inputs.indices.map { i in
                            (inPointers[i] + first * inputPer[i], [count] + inputs[i].shape.dropFirst())
                        }
                        do throws(ONNXError) {
                            let outs = try replicas[worker].execute(self.plan, inputs: slices)
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

    /// Every value's shape for these input shapes (nil for integer constants).
    func shapes(_ inputShapes: [[Int]]) throws(ONNXError) -> [[Int]?] {
        var shapes = [[Int]?](repeating: nil, count: plan.valueCount)
        for (i, shape) in zip(plan.inputs, inputShapes) { shapes[i] = shape }
        for (i, slot) in plan.constants { shapes[i] = slot.shape }
        for step in plan.steps {
            let out = try step.op.shapes(step.inputs.map { $0.flatMap { shapes[$0] } })
            for (i, shape) in zip(step.outputs, out) {
                _ = try checkedCount(shape, step.op)
                shapes[i] = shape
            }
        }
        return shapes
    }

    private func take() -> Replica {
        pthread_mutex_lock(&mutex)
        let replica = spare.popLast()
        pthread_mutex_unlock(&mutex)
        return replica ?? Replica(plan)
    }

    private func give(_ replica: Replica) {
        pthread_mutex_lock(&mutex)
        spare.append(replica)
        pthread_mutex_unlock(&mutex)
    }
}

/// One executable copy of a plan: its own operators (where they hold buffers) and slots.
final class Replica: @unchecked Sendable {
    let ops: [Operator]
    let slots: [Slot]

    init(_ plan: ONNXPlan) {
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
            let out = slots[step.outputs[0]]
            if let source = op.aliases[0], let input = inputSlots[source] {
                out.map = input.map
                out.shape = shapes[0]
            } else {
                out.reshape(shapes[0])
            }
            if out.count > 0 { op.run(inputSlots, [out]) }
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
