import Synchronization
import Foundation
import RESP

/// The framework a stored model is for.
public enum ModelBackend: String, Sendable, CaseIterable {
    case tf = "TF"
    case tflite = "TFLITE"
    case torch = "TORCH"
    case onnx = "ONNX"
}

/// How a model is stored: device, batching, tag and (TensorFlow only) graph input/output names.
public struct ModelOptions: Sendable, Hashable {
    /// `CPU`, `GPU`, `CPU:n` or `GPU:n` (upper-cased before sending).
    public var device: String
    /// Largest batch the server assembles from queued runs; 0 = no batching.
    public var batchSize: Int
    /// Smallest batch to wait for; needs `batchSize`.
    public var minBatchSize: Int
    /// Longest wait in milliseconds for `minBatchSize`; needs `minBatchSize`.
    public var minBatchTimeout: Int
    /// Free-form tag stored with the model.
    public var tag: String
    /// Graph input names (TensorFlow only).
    public var inputs: [String]
    /// Graph output names (TensorFlow only).
    public var outputs: [String]

    /// Options with SmartRedis's defaults: CPU, no batching, no tag.
    public init(device: String = "CPU", batchSize: Int = 0, minBatchSize: Int = 0, minBatchTimeout: Int = 0,
                tag: String = "", inputs: [String] = [], outputs: [String] = []) {
        self.device = device
        self.batchSize = batchSize
        self.minBatchSize = minBatchSize
        self.minBatchTimeout = minBatchTimeout
        self.tag = tag
        self.inputs = inputs
        self.outputs = outputs
    }
}

extension Client {
    /// Stores a model (put prefix when the model switch is on) with `AI.MODELSTORE`, cut
    /// into pieces of the server's `MODEL_CHUNK_SIZE` (asked with `AI.CONFIG GET` before
    /// each store unless ``setModelChunkSize(_:)`` was called).
    ///
    /// In a cluster the model is stored once per slot-map entry under `{P}.name`, the
    /// entries in parallel, as SmartRedis stores it (so either client runs it).
    ///
    /// - Throws: ``ClientError/Code/invalidArgument`` for an empty name or model, a device
    ///   that does not start with CPU or GPU, inputs/outputs for a backend other than TF, or
    ///   inconsistent batching; the server's error otherwise.
    public func setModel(_ name: String, model: [UInt8], backend: ModelBackend, options: ModelOptions = ModelOptions()) throws(ClientError) {
        let device = try Self.validate(name: name, model: model, backend: backend, options: options)
        let key = prefixes.key(.model, name, .put)
        let chunk = try modelChunkSize()
        var options = options
        options.device = device
        let arguments = Self.storeArguments(backend: backend, options: options, model: model, chunk: chunk)
        try sendToEveryCopy(of: key, options: .slowCommand) { copy in
            Command(arguments: [Array("AI.MODELSTORE".utf8), copy] + arguments)
        }
    }

    /// The arguments of `AI.MODELSTORE` after the key.
    private static func storeArguments(backend: ModelBackend, options: ModelOptions, model: [UInt8], chunk: Int) -> [[UInt8]] {
        var command = Command(backend.rawValue, options.device)
        if !options.tag.isEmpty { command.append("TAG", options.tag) }
        if options.batchSize > 0 { command.append("BATCHSIZE", options.batchSize) }
        if options.minBatchSize > 0 { command.append("MINBATCHSIZE", options.minBatchSize) }
        if options.minBatchTimeout > 0 { command.append("MINBATCHTIMEOUT", options.minBatchTimeout) }
        if !options.inputs.isEmpty {
            command.append("INPUTS", options.inputs.count)
            command.arguments += options.inputs.map { Array($0.utf8) }
        }
        if !options.outputs.isEmpty {
            command.append("OUTPUTS", options.outputs.count)
            command.arguments += options.outputs.map { Array($0.utf8) }
        }
        command.append("BLOB")
        if model.count <= chunk {
            command.arguments.append(model)
        } else {
            for start in stride(from: 0, to: model.count, by: chunk) {
                command.arguments.append(Array(model[start..<min(start + chunk, model.count)]))
            }
        }
        return command.arguments
    }

    /// Reads a model file and stores it with ``setModel(_:model:backend:options:)``.
    /// - Throws: ``ClientError/Code/invalidArgument`` when the file cannot be read.
    public func setModel(_ name: String, fromFile path: String, backend: ModelBackend, options: ModelOptions = ModelOptions()) throws(ClientError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .invalidArgument("cannot read the model file \(path): \(error.localizedDescription)")
        }
        try setModel(name, model: [UInt8](data), backend: backend, options: options)
    }

    /// The serialized model stored under `name` (`AI.MODELGET key BLOB`), with multi-chunk
    /// replies concatenated in order (SmartRedis 0.6.1 corrupts those).
    /// - Throws: ``ClientError/Code/keyNotFound`` when there is no such model.
    public func getModel(_ name: String) throws(ClientError) -> [UInt8] {
        let key = prefixes.key(.model, name, .get)
        let reply = try call(Command("AI.MODELGET", readCopyKey(of: key), "BLOB"), key: key)
        switch reply {
        case .bulkString(let bytes):
            return bytes
        case .array(let chunks):
            var model: [UInt8] = []
            for chunk in chunks {
                guard case .bulkString(let bytes) = chunk else { throw .unexpectedReply(reply, command: "AI.MODELGET") }
                model += bytes
            }
            return model
        default:
            throw .unexpectedReply(reply, command: "AI.MODELGET")
        }
    }

    /// Whether a model (any key, in fact) exists under `name` (`EXISTS`; in a cluster, the
    /// copy on the lowest-slot shard).
    public func modelExists(_ name: String) throws(ClientError) -> Bool {
        let key = prefixes.key(.model, name, .get)
        return try integer(try call(Command(arguments: [Array("EXISTS".utf8), readCopyKey(of: key)]), key: key), "EXISTS") > 0
    }

    /// Checks ``modelExists(_:)`` up to `tries` times, sleeping `intervalMilliseconds` after each miss.
    public func pollModel(_ name: String, intervalMilliseconds: Int, tries: Int) throws(ClientError) -> Bool {
        try poll(intervalMilliseconds: intervalMilliseconds, tries: tries) { () throws(ClientError) in try modelExists(name) }
    }

    /// Deletes the model `name` (`AI.MODELDEL`; in a cluster, every shard's copy).
    /// - Throws: ``ClientError/Code/keyNotFound`` when there is no such model.
    public func deleteModel(_ name: String) throws(ClientError) {
        let key = prefixes.key(.model, name, .get)
        try sendToEveryCopy(of: key, options: .normal) { Command(arguments: [Array("AI.MODELDEL".utf8), $0]) }
    }

    /// Runs model `name` in the database on tensors `inputs` (get prefix), storing `outputs`
    /// (put prefix): `AI.MODELEXECUTE key INPUTS n … OUTPUTS m … TIMEOUT t`.
    ///
    /// In a cluster the run happens on the shard of the first input, on temporary copies of
    /// the tensors next to that shard's model copy, as SmartRedis does it.
    ///
    /// Waits for the run for up to the command budget and does not re-send it after a
    /// timeout. A `TIMEDOUT` reply (the run waited longer than `SR_MODEL_TIMEOUT` in the
    /// server's queue) is a ``ClientError/Code/timeout``; SmartRedis ignores it.
    public func runModel(_ name: String, inputs: [String], outputs: [String]) throws(ClientError) {
        let p = prefixes
        let key = p.key(.model, name, .get)
        let timeout = configuration.modelTimeoutMilliseconds
        let reply = try runNextToCopy(of: key, inputs: inputs.map { p.key(.tensor, $0, .get) },
                                      outputs: outputs.map { p.key(.tensor, $0, .put) }, options: .slowCommand) { model, inputs, outputs in
            var command = Command(arguments: [Array("AI.MODELEXECUTE".utf8), model])
            command.append("INPUTS", inputs.count)
            command.arguments += inputs
            command.append("OUTPUTS", outputs.count)
            command.arguments += outputs
            command.append("TIMEOUT", timeout)
            return command
        }
        if reply == .simpleString("TIMEDOUT") {
            throw ClientError(.timeout, "model \(key) did not start within SR_MODEL_TIMEOUT (\(configuration.modelTimeoutMilliseconds) ms) in the server's queue; nothing was computed.")
        }
        try expectOK(reply, "AI.MODELEXECUTE")
    }

    /// Sets the server's `MODEL_CHUNK_SIZE` (`AI.CONFIG MODEL_CHUNK_SIZE n`) and uses it for
    /// later ``setModel(_:model:backend:options:)`` calls without asking again. In a cluster
    /// every master gets it (SmartRedis sets it on one shard only).
    public func setModelChunkSize(_ size: Int) throws(ClientError) {
        guard size > 0 else { throw .invalidArgument("The model chunk size must be positive (got \(size)).") }
        let command = Command("AI.CONFIG", "MODEL_CHUNK_SIZE", size)
        for address in shardAddresses {
            try expectOK(try call(command, route: .address(address)), "AI.CONFIG")
        }
        state.withLock { $0.modelChunkSize = size }
    }

    /// The chunk size to cut models into: remembered, or `AI.CONFIG GET MODEL_CHUNK_SIZE`.
    private func modelChunkSize() throws(ClientError) -> Int {
        if let size = state.withLock({ $0.modelChunkSize }) { return size }
        let reply = try call(Command("AI.CONFIG", "GET", "MODEL_CHUNK_SIZE"), route: .anyShard)
        guard let size = reply.integer, size > 0 else { throw .unexpectedReply(reply, command: "AI.CONFIG GET MODEL_CHUNK_SIZE") }
        return Int(size)
    }

    /// The checks of SmartRedis's Python client; returns the device upper-cased.
    private static func validate(name: String, model: [UInt8], backend: ModelBackend, options: ModelOptions) throws(ClientError) -> String {
        guard !name.isEmpty else { throw .invalidArgument("name is a required parameter of set_model.") }
        guard !model.isEmpty else { throw .invalidArgument("model \(name) is empty; the server needs the serialized model bytes.") }
        let device = options.device.uppercased()
        guard device.hasPrefix("CPU") || device.hasPrefix("GPU") else {
            throw .invalidArgument("Device argument must start with either CPU or GPU (got \(options.device)).")
        }
        if backend != .tf {
            guard options.inputs.isEmpty else { throw .invalidArgument("INPUTS in the model set command is only valid for TF models") }
            guard options.outputs.isEmpty else { throw .invalidArgument("OUTPUTS in the model set command is only valid for TF models") }
        }
        if options.batchSize == 0 && (options.minBatchSize > 0 || options.minBatchTimeout > 0) {
            throw .invalidArgument("batch_size must be non-zero if min_batch_size or min_batch_timeout is used; otherwise batching will not be performed.")
        }
        if options.minBatchTimeout > 0 && options.minBatchSize == 0 {
            throw .invalidArgument("min_batch_size must be non-zero if min_batch_timeout is used; otherwise the min_batch_timeout parameter is ignored.")
        }
        guard options.batchSize >= 0, options.minBatchSize >= 0, options.minBatchTimeout >= 0 else {
            throw .invalidArgument("batch sizes and timeouts cannot be negative.")
        }
        return device
    }
}
