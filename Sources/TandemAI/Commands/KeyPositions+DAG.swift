/// Key positions of the DAG commands (getkeys-api).
extension KeyPositions {
    /// `AI.DAGEXECUTE*` / `AI.DAGRUN*`, scanning every argument as RedisAI does: the keys of
    /// a `LOAD` or `PERSIST` section, the value after `ROUTING`, and the model or script key
    /// after each `AI.MODELEXECUTE` or `AI.SCRIPTEXECUTE` token. Tensor names inside the ops
    /// are local to the DAG and are not keys.
    ///
    /// As in RedisAI, the scan stops at a malformed section (a missing or non-integer count,
    /// or a section running to the last argument), keeping what it reported so far.
    static func dag(_ ctx: Context, _ args: Arguments) {
        var index = 1
        while index < args.count {
            let token = index
            index += 1
            if args.matches(token, "LOAD") || args.matches(token, "PERSIST") {
                guard index < args.count, let n = args.integer(index) else { return }
                index += 1
                guard n < Int64(args.count - index) else { return }
                let end = index + Int(n)
                // A negative count reports nothing and the scan goes on after it.
                while index < end {
                    ctx.keyAtPosition(index)
                    index += 1
                }
            } else if args.matches(token, "ROUTING") || args.matches(token, "AI.MODELEXECUTE")
                        || args.matches(token, "AI.SCRIPTEXECUTE") {
                guard index < args.count else { return }
                ctx.keyAtPosition(index)
                index += 1
            }
        }
    }
}
