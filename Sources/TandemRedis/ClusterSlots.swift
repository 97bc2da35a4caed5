/// How Redis Cluster's 16,384 hash slots are split between masters.
public enum ClusterSlots {
    /// The number of hash slots of a Redis Cluster.
    public static let count = 16_384

    /// The slot ranges of `masters` masters, as `redis-cli --cluster create` assigns them:
    /// consecutive, as even as possible (3 masters: 0–5460, 5461–10922, 10923–16383).
    ///
    /// - Precondition: `masters` is at least 1.
    public static func evenRanges(masters: Int) -> [ClosedRange<Int>] {
        precondition(masters >= 1, "a cluster needs at least one master")
        let perMaster = Double(count) / Double(masters)
        var ranges: [ClosedRange<Int>] = []
        var first = 0
        var cursor = 0.0
        for index in 0..<masters {
            var last = Int((cursor + perMaster - 1).rounded())
            if last > count || index == masters - 1 { last = count - 1 }
            if last < first { last = first }
            ranges.append(first...last)
            first = last + 1
            cursor += perMaster
        }
        return ranges
    }
}
