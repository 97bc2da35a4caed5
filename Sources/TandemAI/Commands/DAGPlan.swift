import CRedisModule

/// A parsed, checked DAG, ready to run: its tensor table, its ops, what to persist.
///
/// The table has one slot per LOADed tensor and one per op output, in order. An op input
/// names the latest slot written under that name, so a name reused as an output later gets
/// a new slot and every op reads exactly what came before it.
struct DAGPlan {
    /// LOADed and TENSORSET tensors are here from the start; op outputs are filled in as
    /// the ops run.
    var slots: [TensorValue?]
    var ops: [DAGOp]
    /// The PERSIST names (our own copies of the Redis strings, freed by the job) and their
    /// slots, in the order given.
    var persistKeys: [OpaquePointer]
    var persistSlots: [Int]
    /// Milliseconds the DAG may take from queueing until its last op starts (0: no limit).
    let timeout: Int64
    /// The device whose worker queue runs the whole DAG: that of the first model or script
    /// op, or the CPU.
    let device: [UInt8]

    /// Parses `args` in RedisAI's order of checks (the first problem is the reply).
    static func parse(_ args: Arguments, flavor: DAGExecute.Flavor, in ctx: Context) throws(CommandError) -> DAGPlan {
        var slots: [TensorValue?] = []
        var names: [[UInt8]: Int] = [:]
        var persistNames: [[UInt8]] = []
        var persistIndexes: [Int] = []
        var opRanges: [Range<Int>] = []
        var loaded = false, persisted = false, routed = false, timed = false
        var timeout: Int64 = 0
        var index = 1
        while index < args.count {
            let header = opRanges.isEmpty
            if header && !loaded && args.matches(index, "LOAD") {
                let keys = try section(args, at: index, "LOAD", mismatch: "ERR number of keys to LOAD into DAG does not match the number of given arguments") { i throws(CommandError) in
                    // Read now, in order: the first missing or mistyped key is the reply.
                    let tensor = try ctx.inputTensors(at: CollectionOfOne(i), of: args)[0]
                    let name = args.array(i)
                    if names[name] == nil { names[name] = slots.count }
                    slots.append(tensor)
                }
                index = keys.upperBound
                loaded = true
            } else if header && !persisted && args.matches(index, "PERSIST") {
                if flavor.readOnly { throw CommandError("ERR PERSIST cannot be specified in a read-only DAG") }
                let keys = try section(args, at: index, "PERSIST", mismatch: "ERR number of keys to PERSIST after DAG execution does not match the number of given arguments") { i throws(CommandError) in
                    let name = args.array(i)
                    if persistNames.contains(name) { throw CommandError("ERR PERSIST keys must be unique") }
                    persistNames.append(name)
                    persistIndexes.append(i)
                }
                index = keys.upperBound
                persisted = true
            } else if header && !routed && args.matches(index, "ROUTING") {
                guard index + 1 < args.count else { throw CommandError("ERR Missing ROUTING value") }
                index += 2
                routed = true
            } else if header && !timed && args.matches(index, "TIMEOUT") {
                guard index + 1 < args.count else { throw CommandError("ERR No value provided for TIMEOUT") }
                // RedisAI accepts any integer here; zero or less means no limit.
                guard let value = args.integer(index + 1) else { throw CommandError("ERR Invalid value for TIMEOUT") }
                timeout = max(0, value)
                index += 2
                timed = true
            } else if DAGExecute.isChain(args, index) && index < args.count - 1 {
                var end = index + 1
                while end < args.count && !DAGExecute.isChain(args, end) { end += 1 }
                opRanges.append((index + 1)..<end)
                index = end
            } else {
                throw CommandError("ERR Invalid DAG command. Unexpected argument:  \(args.text(index))")
            }
        }
        if !flavor.deprecated && !loaded && !persisted && !routed {
            throw CommandError("ERR AI.DAGEXECUTE and AI.DAGEXECUTE_RO commands must contain at least one out of ROUTING, LOAD, PERSIST keywords")
        }
        guard !opRanges.isEmpty else { throw CommandError("ERR DAG is empty") }

        var ops: [DAGOp] = []
        ops.reserveCapacity(opRanges.count)
        for range in opRanges { ops.append(try DAGOp.parse(args.slice(range), flavor: flavor, in: ctx)) }

        // Local names to slots, op by op.
        for i in ops.indices {
            var inputs: [Int] = []
            for name in ops[i].inputNames {
                guard let slot = names[name] else { throw CommandError("ERR INPUT key cannot be found in DAG") }
                inputs.append(slot)
            }
            var outputs: [Int] = []
            for name in ops[i].outputNames {
                if case .tensorSet(let tensor) = ops[i].kind { slots.append(tensor) } else { slots.append(nil) }
                names[name] = slots.count - 1
                outputs.append(slots.count - 1)
            }
            ops[i].inputSlots = inputs
            ops[i].outputSlots = outputs
        }
        var persistSlots: [Int] = []
        for name in persistNames {
            guard let slot = names[name] else { throw CommandError("ERR PERSIST key cannot be found in DAG") }
            persistSlots.append(slot)
        }
        let device = ops.lazy.compactMap(\.device).first ?? Array("CPU".utf8)
        let persistKeys = persistIndexes.compactMap { args[$0].flatMap { rm_create_string_from_string(nil, $0) } }
        return DAGPlan(slots: slots, ops: ops, persistKeys: persistKeys, persistSlots: persistSlots,
                       timeout: timeout, device: device)
    }

    /// `<KEYWORD> <n> <key>…` of LOAD or PERSIST: calls `body` for each key index, in order,
    /// and returns the range of the keys.
    private static func section(_ args: Arguments, at index: Int, _ keyword: String, mismatch: String,
                                _ body: (Int) throws(CommandError) -> Void) throws(CommandError) -> Range<Int> {
        guard args.count - index >= 3 else {
            throw CommandError("ERR missing arguments after \(keyword) keyword in DAG command")
        }
        guard let n = args.integer(index + 1), n > 0 else {
            throw CommandError("ERR invalid or negative value found in number of keys to \(keyword)")
        }
        let first = index + 2
        let available = args.count - first
        // As RedisAI: the keys that are there are handled before a short count is reported.
        let taken = Int(min(n, Int64(available)))
        for i in first..<(first + taken) { try body(i) }
        guard n <= Int64(available) else { throw CommandError(mismatch) }
        return first..<(first + taken)
    }
}
