import Foundation

extension Report {
    /// The machine-readable summary (`summary.json`): one object with
    ///
    /// - `title`, `state` (`running`, `finished`, `interrupted`, `failed`), `message` (or null),
    ///   `wall_time_s`;
    /// - `parameters`: name → number, string or boolean;
    /// - `database_nodes`: what each database node held at the end (`name`, `address`, `role`,
    ///   `slots`, `keys`, `datasets`, `tensors`, `models`);
    /// - `entities`: one object per process run (`name`, `entity_type`, `job_id`, `run_id`,
    ///   `time_s`, `status`, `return_code` or null);
    /// - `test_samples`, `test_mae`, `test_max_abs_error`, `zeros_mae`, `identity_mae`,
    ///   `near_source_mae`, `far_field_mae`, `near_source_share` (null until measured);
    /// - `network`, `network_parameters` (null when not given), `tutorial_network_mae`
    ///   (the measured range of the tutorial's network, `[low, high]`);
    /// - `figures`: `title`, `file`, `caption` each; `series`: name → array of numbers;
    ///   `events`: array of strings.
    ///
    /// Keys are sorted, so two summaries of the same run compare equal as text. Non-finite
    /// numbers are written as null.
    public func summaryJSON() -> Data {
        func number(_ value: Double?) -> Any { value.flatMap { $0.isFinite ? $0 : nil } ?? NSNull() }
        func json(_ value: ReportValue) -> Any {
            switch value {
            case .int(let v): v
            case .double(let v): number(v)
            case .string(let v): v
            case .bool(let v): v
            }
        }
        let object: [String: Any] = [
            "title": title,
            "state": state.rawValue,
            "message": message ?? NSNull(),
            "wall_time_s": number(wallSeconds),
            "parameters": Dictionary(parameters.map { ($0.name, json($0.value)) }, uniquingKeysWith: { _, last in last }),
            "entities": entities.map { entity -> [String: Any] in
                ["name": entity.name, "entity_type": entity.entityType, "job_id": entity.jobID, "run_id": entity.runID,
                 "time_s": number(entity.seconds), "status": entity.status, "return_code": entity.returnCode ?? NSNull()]
            },
            "database_nodes": databaseNodes.map { node -> [String: Any] in
                ["name": node.name, "address": node.address, "role": node.role, "slots": node.slots, "keys": node.keys,
                 "datasets": node.datasets, "tensors": node.tensors, "models": node.models]
            },
            "test_samples": accuracy?.samples ?? NSNull(),
            "test_mae": number(accuracy?.meanAbsoluteError),
            "test_max_abs_error": number(accuracy?.maxAbsoluteError),
            "zeros_mae": number(accuracy?.zerosMeanAbsoluteError),
            "identity_mae": number(accuracy?.identityMeanAbsoluteError),
            "near_source_mae": number(accuracy?.nearSourceMeanAbsoluteError),
            "far_field_mae": number(accuracy?.farFieldMeanAbsoluteError),
            "near_source_share": number(accuracy?.nearSourceShare),
            "network": network?.architecture ?? NSNull(),
            "network_parameters": network?.parameters ?? NSNull(),
            "tutorial_network_mae": [Self.tutorialNetworkMeanAbsoluteError.lowerBound, Self.tutorialNetworkMeanAbsoluteError.upperBound],
            "figures": figures.map { ["title": $0.title, "file": $0.file, "caption": $0.caption] },
            "series": Dictionary(series.map { ($0.name, $0.values.map { number($0) }) }, uniquingKeysWith: { _, last in last }),
            "events": events,
        ]
        // Every value above is a string, number, boolean, null, array or object: serialisable.
        return (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
    }
}
