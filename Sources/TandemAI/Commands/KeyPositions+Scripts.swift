/// Key positions of the script commands (getkeys-api).
extension KeyPositions {
    /// `AI.SCRIPTEXECUTE`: the script, and the items of its `KEYS`, `INPUTS` and `OUTPUTS`
    /// sections (not `ARGS`, which are plain values).
    static func scriptExecute(_ ctx: Context, _ args: Arguments) {
        guard args.count > 1 else { return }
        ctx.keyAtPosition(1)
        var index = 3
        while index < args.count {
            if args.matches(index, "TIMEOUT") {
                index += 2
                continue
            }
            let isKeys = args.matches(index, "KEYS") || args.matches(index, "INPUTS") || args.matches(index, "OUTPUTS")
            guard isKeys || args.matches(index, "ARGS"), let n = args.integer(index + 1), n >= 0 else { return }
            let first = index + 2
            let end = min(first + min(Int(clamping: n), args.count), args.count)
            if isKeys { for i in first..<max(first, end) { ctx.keyAtPosition(i) } }
            index = max(first, end)
        }
    }

    /// `AI.SCRIPTRUN`: the script and every argument after `INPUTS` except `OUTPUTS` and
    /// `$` (skipping `TIMEOUT t` before `INPUTS`).
    static func scriptRun(_ ctx: Context, _ args: Arguments) {
        guard args.count > 1 else { return }
        ctx.keyAtPosition(1)
        var index = 3
        if args.matches(index, "TIMEOUT") { index += 2 }
        guard args.matches(index, "INPUTS") else { return }
        for i in (index + 1)..<max(index + 1, args.count) where !args.matches(i, "OUTPUTS") {
            let bytes = args.bytes(i)
            if bytes.count == 1 && bytes[0] == UInt8(ascii: "$") { continue }
            ctx.keyAtPosition(i)
        }
    }
}
