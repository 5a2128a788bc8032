/// p50, p90 and p99 of a set of values (seconds for latencies); `nil` when the set is empty.
public struct Percentiles: Sendable, Hashable, Codable {
    /// The median.
    public var p50: Double?
    /// The 90th percentile.
    public var p90: Double?
    /// The 99th percentile.
    public var p99: Double?

    /// Percentiles with the given values.
    public init(p50: Double?, p90: Double?, p99: Double?) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
    }

    /// The 1-based **nearest rank** of percentile `p` (0…100) in `count` sorted values: `max(1, ⌈p·n/100⌉)`.
    ///
    /// This is the definition every percentile in Analytics uses: the result is always one of the observed values
    /// (no interpolation), p0 is the minimum and p100 the maximum. `p·n/100` is computed in floating point with a
    /// 1e-9 tolerance below each integer, so `p = 7, n = 100` gives rank 7, not 8. Returns 0 when `count` is 0.
    public static func nearestRank(_ p: Double, count: Int) -> Int {
        guard count > 0 else { return 0 }
        let clamped = min(100, max(0, p))
        let exact = clamped * Double(count) / 100
        return min(count, max(1, Int((exact - 1e-9).rounded(.up))))
    }

    /// Percentile `p` (0…100) of `sorted` (ascending) by the nearest-rank method; `nil` when empty.
    public static func nearestRank(_ p: Double, of sorted: [Double]) -> Double? {
        sorted.isEmpty ? nil : sorted[nearestRank(p, count: sorted.count) - 1]
    }
}
