import RESP
import TandemTensor

extension Client {
    /// Puts `inputs`, runs model `name` on them and fetches `outputs`, in one round trip:
    /// `AI.TENSORSET` for each input, `AI.MODELEXECUTE … TIMEOUT t`, then `AI.TENSORGET`
    /// for each output, written as one pipeline. The server runs them in order on the one
    /// connection, so the run sees the new inputs and the reads see its outputs; the
    /// result is what ``putTensor(_:_:)``, ``runModel(_:inputs:outputs:)`` and
    /// ``getTensor(_:)`` in turn give, in one network round trip instead of three or more.
    ///
    /// Input names take the put prefix for the store and the get prefix for the run,
    /// outputs the put prefix for the run and the get prefix for the read, as those calls
    /// use them. In a cluster, where the tensors and the model may live on different
    /// shards, it makes those calls in turn.
    ///
    /// ```swift
    /// let prediction = try client.runModel("surrogate", putting: [("u_init", input)], outputs: ["u_pred"])[0]
    /// ```
    ///
    /// - Throws: the first error reply, classified as those calls classify it (the inputs
    ///   may be stored even when the run fails); ``ClientError/Code/timeout`` when the run
    ///   waited longer than `SR_MODEL_TIMEOUT` in the server's queue.
    public func runModel(_ name: String, putting inputs: [(name: String, tensor: Tensor)], outputs: [String]) throws(ClientError) -> [Tensor] {
        guard !inputs.isEmpty, !outputs.isEmpty else {
            throw .invalidArgument("runModel(_:putting:outputs:) needs at least one input and one output.")
        }
        if isCluster {
            for input in inputs { try putTensor(input.name, input.tensor) }
            try runModel(name, inputs: inputs.map(\.name), outputs: outputs)
            var results: [Tensor] = []
            for output in outputs { results.append(try getTensor(output)) }
            return results
        }
        let p = prefixes
        let key = p.key(.model, name, .get)
        var commands = inputs.map { TensorWire.set(Array(p.key(.tensor, $0.name, .put).utf8), $0.tensor) }
        var run = Command(arguments: [Array("AI.MODELEXECUTE".utf8), Array(key.utf8)])
        run.append("INPUTS", inputs.count)
        run.arguments += inputs.map { Array(p.key(.tensor, $0.name, .get).utf8) }
        run.append("OUTPUTS", outputs.count)
        run.arguments += outputs.map { Array(p.key(.tensor, $0, .put).utf8) }
        run.append("TIMEOUT", configuration.modelTimeoutMilliseconds)
        commands.append(run)
        let gets = outputs.map { p.key(.tensor, $0, .get) }
        commands += gets.map { TensorWire.get(Array($0.utf8)) }
        let replies = try execute(commands, options: .slowCommand)
        for (input, reply) in zip(inputs, replies) {
            if case .error(let text) = reply { throw ClientError.fromServer(text, command: "AI.TENSORSET", key: p.key(.tensor, input.name, .put)) }
            try expectOK(reply, "AI.TENSORSET")
        }
        let ran = replies[inputs.count]
        if case .error(let text) = ran { throw ClientError.fromServer(text, command: "AI.MODELEXECUTE", key: key) }
        if ran == .simpleString("TIMEDOUT") {
            throw ClientError(.timeout, "model \(key) did not start within SR_MODEL_TIMEOUT (\(configuration.modelTimeoutMilliseconds) ms) in the server's queue; nothing was computed.")
        }
        try expectOK(ran, "AI.MODELEXECUTE")
        var results: [Tensor] = []
        for (output, reply) in zip(gets, replies[(inputs.count + 1)...]) { results.append(try TensorWire.tensor(from: reply, key: output)) }
        return results
    }
}
