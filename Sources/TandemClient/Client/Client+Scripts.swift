import Foundation
import RESP

extension Client {
    /// Stores TorchScript source as script `name` (put prefix when the model switch is on),
    /// as SmartRedis's `set_script` does: `AI.SCRIPTSET key DEVICE SOURCE source` (in a
    /// cluster, once per shard, as models are). Any
    /// function of the script can then be run with ``runScript(_:function:inputs:outputs:)``.
    ///
    /// - Throws: ``ClientError/Code/invalidArgument`` for an empty name or source or a
    ///   device that does not start with CPU or GPU; the server's error otherwise (a source
    ///   that does not compile, a database without the TORCH backend).
    public func setScript(_ name: String, source: String, device: String = "CPU") throws(ClientError) {
        guard !name.isEmpty else { throw .invalidArgument("name is a required parameter of set_script.") }
        guard !source.isEmpty else { throw .invalidArgument("script \(name) has no source.") }
        let upper = device.uppercased()
        guard upper.hasPrefix("CPU") || upper.hasPrefix("GPU") else {
            throw .invalidArgument("Device argument must start with either CPU or GPU (got \(device)).")
        }
        let key = prefixes.key(.model, name, .put)
        try sendToEveryCopy(of: key, options: .slowCommand) { copy in
            Command(arguments: [Array("AI.SCRIPTSET".utf8), copy, Array(upper.utf8), Array("SOURCE".utf8), Array(source.utf8)])
        }
    }

    /// Reads a TorchScript file and stores it with ``setScript(_:source:device:)``.
    /// - Throws: ``ClientError/Code/invalidArgument`` when the file cannot be read.
    public func setScript(_ name: String, fromFile path: String, device: String = "CPU") throws(ClientError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .invalidArgument("cannot read the script file \(path): \(error.localizedDescription)")
        }
        try setScript(name, source: String(decoding: data, as: UTF8.self), device: device)
    }

    /// Stores one TorchScript function, as SmartRedis's `set_function` does with a Python
    /// function's source text: the same `AI.SCRIPTSET` as ``setScript(_:source:device:)``.
    /// Run it with ``runScript(_:function:inputs:outputs:)`` under its own name.
    public func setFunction(_ name: String, source: String, device: String = "CPU") throws(ClientError) {
        try setScript(name, source: source, device: device)
    }

    /// The source of script `name` (`AI.SCRIPTGET key SOURCE`).
    /// - Throws: ``ClientError/Code/keyNotFound`` when there is no such script.
    public func getScript(_ name: String) throws(ClientError) -> String {
        let key = prefixes.key(.model, name, .get)
        let reply = try call(Command(arguments: [Array("AI.SCRIPTGET".utf8), readCopyKey(of: key), Array("SOURCE".utf8)]), key: key)
        guard case .bulkString(let bytes) = reply else { throw .unexpectedReply(reply, command: "AI.SCRIPTGET") }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Deletes script `name` (`AI.SCRIPTDEL`).
    public func deleteScript(_ name: String) throws(ClientError) {
        let key = prefixes.key(.model, name, .get)
        try sendToEveryCopy(of: key, options: .normal) { Command(arguments: [Array("AI.SCRIPTDEL".utf8), $0]) }
    }

    /// Runs `function` of script `name` in the database on tensors `inputs` (get prefix),
    /// storing `outputs` (put prefix), as SmartRedis's `run_script` does:
    /// `AI.SCRIPTRUN key function INPUTS … OUTPUTS …`. Tensors are passed to the function
    /// positionally. An exception raised in the function comes back as the server's error,
    /// with its text. In a cluster the run happens on the shard of the first input, next to
    /// that shard's copy of the script, as for models.
    public func runScript(_ name: String, function: String, inputs: [String], outputs: [String]) throws(ClientError) {
        guard !function.isEmpty else { throw .invalidArgument("the function name of run_script is empty.") }
        let p = prefixes
        let key = p.key(.model, name, .get)
        let reply = try runNextToCopy(of: key, inputs: inputs.map { p.key(.tensor, $0, .get) },
                                      outputs: outputs.map { p.key(.tensor, $0, .put) }, options: .slowCommand) { script, inputs, outputs in
            var command = Command(arguments: [Array("AI.SCRIPTRUN".utf8), script, Array(function.utf8), Array("INPUTS".utf8)])
            command.arguments += inputs
            command.append("OUTPUTS")
            command.arguments += outputs
            return command
        }
        try expectOK(reply, "AI.SCRIPTRUN")
    }
}
