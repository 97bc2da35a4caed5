import Synchronization
extension Client {
    /// The `SSKEYIN` entry that read keys are prefixed with, or `nil` without `SSKEYIN`.
    public var dataSource: String? { prefixes.dataSource }

    /// The `SSKEYIN` entries this client may read from.
    public var dataSources: [String] { prefixes.inputs }

    /// Reads keys from another ensemble member from now on.
    ///
    /// - Parameter source: one of the `SSKEYIN` entries read when the client was built
    ///   (case-sensitive).
    /// - Throws: ``ClientError/Code/invalidArgument`` for any other name.
    public func setDataSource(_ source: String) throws(ClientError) {
        try state.withLock { state throws(ClientError) in
            guard state.prefixes.inputs.contains(source) else {
                let known = state.prefixes.inputs.isEmpty ? "SSKEYIN is not set" : "SSKEYIN holds \(state.prefixes.inputs.joined(separator: ", "))"
                throw ClientError.invalidArgument("Client error: data source \(source) could not be found during client initialization (\(known)).")
            }
            state.prefixes.dataSource = source
        }
    }

    /// Whether tensor keys (and the tensor names of model runs) get the ensemble prefix; on by default.
    public func useTensorEnsemblePrefix(_ enabled: Bool) { state.withLock { $0.prefixes.tensors = enabled } }

    /// Whether dataset keys (and the entries pushed to aggregation lists) get the ensemble prefix; on by default.
    public func useDatasetEnsemblePrefix(_ enabled: Bool) { state.withLock { $0.prefixes.datasets = enabled } }

    /// Whether model keys get the ensemble prefix; off by default.
    public func useModelEnsemblePrefix(_ enabled: Bool) { state.withLock { $0.prefixes.models = enabled } }

    /// Whether aggregation-list keys get the ensemble prefix; on by default.
    public func useListEnsemblePrefix(_ enabled: Bool) { state.withLock { $0.prefixes.lists = enabled } }
}
