import CRedisModule

/// `AI.DAGEXECUTE [LOAD n k…] [PERSIST n k…] [ROUTING tag] [TIMEOUT ms] |> op [|> op …]`,
/// `AI.DAGEXECUTE_RO` (no PERSIST, no SCRIPTEXECUTE) and the deprecated `AI.DAGRUN` /
/// `AI.DAGRUN_RO` (MODELRUN/SCRIPTRUN ops) (see “DAGs” in Documentation/RedisModule.md).
///
/// Everything is parsed and checked on the main thread before the client is blocked, in
/// RedisAI's order: the header (LOAD reads its tensors from the keyspace here), every op,
/// then the local tensor names and the PERSIST names. Any error is the whole reply and
/// nothing runs. The ops then run, in order, as one ``DAGRunJob`` on a worker.
enum DAGExecute {
    /// Which of the four commands is running.
    struct Flavor {
        /// The name in RedisAI's error texts.
        let name: String
        /// `_RO`: no PERSIST, no script ops.
        let readOnly: Bool
        /// `AI.DAGRUN*`: MODELRUN/SCRIPTRUN ops, no LOAD/PERSIST/ROUTING requirement.
        let deprecated: Bool

        static let execute = Flavor(name: "AI.DAGEXECUTE", readOnly: false, deprecated: false)
        static let executeReadOnly = Flavor(name: "AI.DAGEXECUTE_RO", readOnly: true, deprecated: false)
        static let run = Flavor(name: "AI.DAGRUN", readOnly: false, deprecated: true)
        static let runReadOnly = Flavor(name: "AI.DAGRUN_RO", readOnly: true, deprecated: true)
    }

    static func execute(_ ctx: Context, _ args: Arguments) throws(CommandError) { try start(.execute, ctx, args) }
    static func executeReadOnly(_ ctx: Context, _ args: Arguments) throws(CommandError) { try start(.executeReadOnly, ctx, args) }
    static func run(_ ctx: Context, _ args: Arguments) throws(CommandError) { try start(.run, ctx, args) }
    static func runReadOnly(_ ctx: Context, _ args: Arguments) throws(CommandError) { try start(.runReadOnly, ctx, args) }

    /// The `|>` token that starts each op.
    static func isChain(_ args: Arguments, _ index: Int) -> Bool {
        let bytes = args.bytes(index)
        return bytes.count == 2 && bytes[0] == UInt8(ascii: "|") && bytes[1] == UInt8(ascii: ">")
    }

    private static func start(_ flavor: Flavor, _ ctx: Context, _ args: Arguments) throws(CommandError) {
        if ctx.isKeysPositionRequest { return KeyPositions.dag(ctx, args) }
        guard ctx.mayBlock else { throw .inTransaction }
        if flavor.deprecated {
            guard args.count >= 4 else { throw .wrongArity(flavor.name) }
        } else {
            // The shortest useful form: `AI.DAGEXECUTE ROUTING t |> AI.TENSORGET t`.
            guard args.count >= 6 else { throw CommandError("ERR missing arguments for '\(flavor.name)' command") }
        }
        let plan = try DAGPlan.parse(args, flavor: flavor, in: ctx)
        guard let pool = WorkerPool.pool(forDevice: plan.device) else {
            for key in plan.persistKeys { rm_free_string(nil, key) }
            throw CommandError("ERR no worker thread is running for device \(String(decoding: plan.device, as: UTF8.self))")
        }
        try DAGRunJob(plan).start(in: ctx, pool: pool)
    }
}
