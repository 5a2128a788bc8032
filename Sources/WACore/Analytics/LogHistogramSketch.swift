import Foundation

/// A quantile sketch with relative-error guarantee and exact merge: a log-bucketed histogram in the manner of
/// DDSketch (Masson, Rim & Lee, VLDB 2019).
///
/// With relative accuracy `α` and `γ = (1 + α) / (1 − α)`, a value `x ≥ minimumValue` is counted in bucket
/// `k = ⌈log_γ x⌉`, which covers `(γ^(k−1), γ^k]`; the bucket is reported as `2γ^k / (γ + 1)`, which is within
/// `α·x` of every value in it. Quantiles use the nearest-rank definition of ``Percentiles/nearestRank(_:count:)``,
/// so the sketch finds the exact bucket of the exact nearest-rank value and
///
///     |estimate − exact| ≤ α · exact        for exact ≥ minimumValue
///     |estimate − exact| < minimumValue     for exact < minimumValue (those values share one "zero" bucket)
///
/// (estimates are also clamped to the observed minimum and maximum, which never increases the error).
///
/// **Memory** is one counter per non-empty bucket: at most `⌈log_γ(max/minimumValue)⌉ + 1` buckets, whatever the
/// number of values — for `α = 0.01` and latencies between 1 ms and one year, about 1,210 buckets.
///
/// **Merging is exact**: bucket counts add, so merging sketches of the parts gives the very sketch of the whole
/// (`==`), in any grouping and order. Both sketches must have the same ``relativeAccuracy`` and ``minimumValue``.
public struct LogHistogramSketch: Sendable, Hashable, Codable {
    /// The relative accuracy `α` (0 < α < 1).
    public let relativeAccuracy: Double
    /// Values below this (and negative values) are counted in the zero bucket.
    public let minimumValue: Double
    /// Number of values added.
    public private(set) var count: Int = 0
    /// Number of values below ``minimumValue``.
    public private(set) var zeroCount: Int = 0
    /// Count per bucket index (non-empty buckets only).
    public private(set) var buckets: [Int: Int] = [:]
    /// The smallest value added.
    public private(set) var min: Double?
    /// The largest value added.
    public private(set) var max: Double?

    private let logGamma: Double

    /// An empty sketch. `relativeAccuracy` is clamped to 1e-6…0.5 and `minimumValue` to at least 1e-12.
    public init(relativeAccuracy: Double = 0.01, minimumValue: Double = 0.001) {
        let alpha = Swift.min(0.5, Swift.max(1e-6, relativeAccuracy))
        self.relativeAccuracy = alpha
        self.minimumValue = Swift.max(1e-12, minimumValue)
        logGamma = log((1 + alpha) / (1 - alpha))
    }

    /// A sketch rebuilt from its parts, as a storage adapter keeps them: `zeroCount` values below `minimumValue`,
    /// `buckets` (index → count; empty and non-positive counts are dropped), and the smallest and largest value
    /// (both `nil` exactly when the sketch is empty). ``count`` is the sum of the counts.
    public init(
        relativeAccuracy: Double, minimumValue: Double, zeroCount: Int, buckets: [Int: Int], min: Double?,
        max: Double?
    ) {
        self.init(relativeAccuracy: relativeAccuracy, minimumValue: minimumValue)
        self.zeroCount = Swift.max(0, zeroCount)
        self.buckets = buckets.filter { $0.value > 0 }
        count = self.zeroCount + self.buckets.values.reduce(0, +)
        if count > 0 {
            self.min = min
            self.max = max
        }
    }

    /// Whether nothing was added.
    public var isEmpty: Bool { count == 0 }

    /// Adds `value` (`NaN` is ignored; negative values count as 0).
    public mutating func add(_ value: Double) {
        guard !value.isNaN else { return }
        let x = Swift.max(0, value)
        count += 1
        min = Swift.min(min ?? x, x)
        max = Swift.max(max ?? x, x)
        if x < minimumValue {
            zeroCount += 1
        } else {
            buckets[bucketIndex(x), default: 0] += 1
        }
    }

    /// Adds everything in `other`. Requires the same ``relativeAccuracy`` and ``minimumValue``.
    public mutating func merge(_ other: LogHistogramSketch) {
        precondition(
            relativeAccuracy == other.relativeAccuracy && minimumValue == other.minimumValue,
            "LogHistogramSketch.merge: sketches with different parameters")
        guard other.count > 0 else { return }
        count += other.count
        zeroCount += other.zeroCount
        buckets.merge(other.buckets, uniquingKeysWith: +)
        min = Swift.min(min ?? other.min!, other.min!)
        max = Swift.max(max ?? other.max!, other.max!)
    }

    /// Percentile `p` (0…100) by nearest rank, within the error bound above; `nil` when empty.
    public func percentile(_ p: Double) -> Double? {
        guard count > 0, let min, let max else { return nil }
        let rank = Percentiles.nearestRank(p, count: count)
        if rank <= zeroCount { return min }
        var seen = zeroCount
        for key in buckets.keys.sorted() {
            seen += buckets[key]!
            if seen >= rank { return Swift.min(max, Swift.max(min, representative(of: key))) }
        }
        return max
    }

    /// The bucket index of `value` (≥ ``minimumValue``).
    func bucketIndex(_ value: Double) -> Int {
        Int((log(value) / logGamma).rounded(.up))
    }

    /// The value reported for bucket `key`: `2γ^k / (γ + 1)`.
    func representative(of key: Int) -> Double {
        let gamma = exp(logGamma)
        return 2 * exp(Double(key) * logGamma) / (gamma + 1)
    }
}
