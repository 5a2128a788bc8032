public import Foundation

/// Counts events over a sliding time window in a fixed number of buckets (bounded memory whatever the rate).
///
/// The window is rounded to whole buckets: ``count(at:)`` sums the bucket holding `at` and the `buckets − 1`
/// before it, so it covers between `window − width` and `window` of history. Events recorded out of order land in
/// their own bucket as long as it is still inside the window, and are dropped otherwise.
public struct SlidingWindowCounter: Sendable, Hashable, Codable {
    /// The length of one bucket.
    public var bucketWidth: Duration { .seconds(bucketSeconds) }
    /// ``bucketWidth`` in seconds, the unit of the bucket arithmetic (encoded under the key `bucketWidth`).
    private let bucketSeconds: Double
    private var counts: [Int]
    private var indices: [Int64]

    /// A counter covering `window`, split into `buckets` buckets (at least 1).
    public init(window: Duration, buckets: Int = 60) {
        let count = max(1, buckets)
        bucketSeconds = max(0.001, window.timeInterval / Double(count))
        counts = Array(repeating: 0, count: count)
        indices = Array(repeating: Int64.min, count: count)
    }

    /// The number of buckets.
    public var bucketCount: Int { counts.count }

    /// Records `amount` events at `date`.
    public mutating func record(_ amount: Int = 1, at date: Date) {
        let index = bucketIndex(date)
        let slot = slot(index)
        if indices[slot] != index {
            // A stale bucket is reused; a bucket too old for the window is dropped.
            guard indices[slot] < index else { return }
            indices[slot] = index
            counts[slot] = 0
        }
        counts[slot] += amount
    }

    /// The events in the window ending at `date`.
    public func count(at date: Date) -> Int {
        let newest = bucketIndex(date)
        let oldest = newest - Int64(counts.count) + 1
        var total = 0
        for slot in counts.indices where indices[slot] >= oldest && indices[slot] <= newest {
            total += counts[slot]
        }
        return total
    }

    private enum CodingKeys: String, CodingKey {
        case bucketSeconds = "bucketWidth"
        case counts, indices
    }

    private func bucketIndex(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 / bucketSeconds).rounded(.down)
        guard value.isFinite else { return 0 }
        return Int64(max(Double(Int64.min / 2), min(Double(Int64.max / 2), value)))
    }

    private func slot(_ index: Int64) -> Int {
        let n = Int64(counts.count)
        return Int(((index % n) + n) % n)
    }
}
