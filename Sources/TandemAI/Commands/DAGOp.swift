/// One op of a DAG (`|> AI.TENSORSET …`, `|> AI.MODELEXECUTE …`, …), parsed on the main
/// thread with the stand-alone commands' parsers.
///
/// Tensor names inside a DAG are local: an op names its inputs and outputs, and
/// ``DAGPlan`` maps each name to a slot of the DAG's own tensor table. Only the model or
/// script is read from the keyspace (with the command's context, so the client's database).
struct DAGOp {
    enum Kind {
        /// The tensor is made while parsing; the op only replies `OK`.
        case tensorSet(TensorValue)
        case tensorGet(TensorGet.Format)
        case model(ModelValue)
        case script(ScriptValue, function: String, variadicStart: Int?, keys: [[UInt8]], arguments: [[UInt8]])
    }

    var kind: Kind
    /// Local names read, in order.
    let inputNames: [[UInt8]]
    /// Local names written, in order.
    let outputNames: [[UInt8]]
    /// The slots of ``inputNames`` and ``outputNames`` in the DAG's tensor table (set by
    /// ``DAGPlan``).
    var inputSlots: [Int] = []
    var outputSlots: [Int] = []

    /// Whether the op runs a model or a script (and so can fail or be left unrun).
    var runs: Bool {
        switch kind {
        case .model, .script: true
        case .tensorSet, .tensorGet: false
        }
    }

    /// The device whose queue the op's model or script belongs to, if it has one.
    var device: [UInt8]? {
        switch kind {
        case .model(let model): model.definition.device
        case .script(let script, _, _, _, _): script.device
        case .tensorSet, .tensorGet: nil
        }
    }

    /// Parses one op; `args[0]` is its command name. Errors are RedisAI's texts for an op
    /// inside a DAG.
    static func parse(_ args: Arguments, flavor: DAGExecute.Flavor, in ctx: Context) throws(CommandError) -> DAGOp {
        if args.matches(0, "AI.TENSORGET") {
            guard args.count >= 2, args.count <= 4 else {
                throw CommandError("wrong number of arguments for 'AI.TENSORGET' command")
            }
            return DAGOp(kind: .tensorGet(try TensorGet.Format(args)), inputNames: [args.array(1)], outputNames: [])
        }
        if args.matches(0, "AI.TENSORSET") {
            guard args.count >= 4 else { throw CommandError("wrong number of arguments for 'AI.TENSORSET' command") }
            return DAGOp(kind: .tensorSet(try TensorSet.parse(args)), inputNames: [], outputNames: [args.array(1)])
        }
        let modelExecute = args.matches(0, "AI.MODELEXECUTE"), modelRun = args.matches(0, "AI.MODELRUN")
        let scriptExecute = args.matches(0, "AI.SCRIPTEXECUTE"), scriptRun = args.matches(0, "AI.SCRIPTRUN")
        if flavor.deprecated {
            if modelExecute || scriptExecute {
                throw CommandError("\(args.text(0).uppercased()) cannot be used in a deprecated AI.DAGRUN command")
            }
        } else if modelRun || scriptRun {
            throw CommandError("Deprecated \(args.text(0).uppercased()) cannot be used in AI.DAGEXECUTE command")
        }
        if modelExecute || modelRun {
            let call = modelExecute ? try ModelExecute.parseExecute(args, in: ctx) : try ModelExecute.parseRun(args, in: ctx)
            if call.timeout > 0 { throw CommandError("ERR TIMEOUT not allowed within a DAG command") }
            return DAGOp(kind: .model(call.model), inputNames: call.inputs.map { args.array($0) },
                         outputNames: call.outputs.map { args.array($0) })
        }
        if scriptExecute || scriptRun {
            if flavor.readOnly {
                throw CommandError("ERR \(args.text(0).uppercased()) command cannot be specified in a read-only DAG")
            }
            let call = scriptExecute ? try ScriptExecute.parseExecute(args, in: ctx) : try ScriptExecute.parseRun(args, in: ctx)
            if call.timeout > 0 { throw CommandError("ERR TIMEOUT not allowed within a DAG command") }
            return DAGOp(kind: .script(call.script, function: call.function, variadicStart: call.variadicStart,
                                       keys: call.keys, arguments: call.arguments),
                         inputNames: call.inputs.map { args.array($0) }, outputNames: call.outputs.map { args.array($0) })
        }
        throw CommandError("Unsupported command within DAG")
    }
}
