import Foundation

/// Times `body` after `warmup` unmeasured calls, `repeats` times.
///
/// - Returns: the median wall time of one call, in milliseconds.
func measureMedian(warmup: Int = 1, repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<warmup { try body() }
    var times: [Double] = []
    for _ in 0..<max(1, repeats) {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return median(times)
}

/// The median of non-empty values.
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/// One benchmark result line: `bench`, `case`, parameters, figures.
struct BenchmarkRecord {
    var fields: [(String, Any)]

    init(bench: String, case name: String, _ fields: KeyValuePairs<String, Any>) {
        self.fields = [("bench", bench), ("case", name)] + fields.map { ($0.key, $0.value) }
    }

    /// The record as one line of JSON, keys in the order given.
    var json: String {
        let body = fields.map { key, value in "\"\(key)\": \(Self.encode(value))" }.joined(separator: ", ")
        return "{\(body)}"
    }

    /// Prints the record on its own line and flushes, so partial runs still report.
    func emit() {
        print(json)
        fflush(nil)
    }

    private static func encode(_ value: Any) -> String {
        switch value {
        case let d as Double: d.isFinite ? String(format: "%.6g", d) : "null"
        case let f as Float: encode(Double(f))
        case let i as Int: String(i)
        case let b as Bool: b ? "true" : "false"
        case let s as String: "\"\(s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\""
        default: "\"\(value)\""
        }
    }
}
