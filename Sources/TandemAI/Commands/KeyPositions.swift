/// Key positions of the commands whose keys are not at fixed places (getkeys-api), so
/// Redis Cluster can check that they all live in one slot.
///
/// Reports only indexes inside the arguments, whatever the request looks like.
enum KeyPositions {
    /// `AI.MODELEXECUTE`: the model, the `input_count` keys after the count, the
    /// `output_count` keys after theirs.
    static func modelExecute(_ ctx: Context, _ args: Arguments) {
        guard args.count > 1 else { return }
        ctx.keyAtPosition(1)
        guard let inputs = args.integer(3), inputs > 0 else { return }
        let inputEnd = min(4 + min(Int(clamping: inputs), args.count), args.count)
        for i in 4..<max(4, inputEnd) { ctx.keyAtPosition(i) }
        guard inputEnd < args.count, args.matches(inputEnd, "OUTPUTS"),
              let outputs = args.integer(inputEnd + 1), outputs > 0 else { return }
        let first = inputEnd + 2
        let end = min(first + min(Int(clamping: outputs), args.count), args.count)
        for i in first..<max(first, end) { ctx.keyAtPosition(i) }
    }

    /// `AI.MODELRUN`: the model and every argument after `INPUTS` except `OUTPUTS`
    /// (skipping `TIMEOUT t` before `INPUTS`).
    static func modelRun(_ ctx: Context, _ args: Arguments) {
        guard args.count > 1 else { return }
        ctx.keyAtPosition(1)
        var index = 2
        if args.matches(index, "TIMEOUT") { index += 2 }
        guard args.matches(index, "INPUTS") else { return }
        for i in (index + 1)..<max(index + 1, args.count) where !args.matches(i, "OUTPUTS") {
            ctx.keyAtPosition(i)
        }
    }
}
