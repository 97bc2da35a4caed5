import Foundation

/// Runs `body` `warmup` times untimed, then `repeats` times timed; returns the median in ms.
func measure(warmup: Int, repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<warmup { try body() }
    var times: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<max(repeats, 1) {
        let elapsed = try clock.measure { try body() }
        times.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) * 1e-15)
    }
    times.sort()
    return times[times.count / 2]
}

/// Prints one JSON object on one line, keys sorted.
func printJSON(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
    fflush(nil)
}
