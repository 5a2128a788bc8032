/// A mergeable set of latencies (seconds) that answers percentiles exactly while small and switches to a
/// ``LogHistogramSketch`` once it holds more than ``Configuration/exactLimit`` values.
///
/// - **Exact mode** (count ≤ `exactLimit`): the values are kept sorted; percentiles are nearest-rank
///   (``Percentiles/nearestRank(_:count:)``), exactly the observed value at that rank.
/// - **Sketch mode** (count > `exactLimit`): bounded memory; percentiles within relative error
///   ``Configuration/relativeAccuracy`` of the exact nearest-rank value (absolute error below
///   ``Configuration/minimumValue`` for smaller values).
///
/// The mode is a function of the total count only, and both modes are functions of the multiset of values, so
/// ``merge(_:)`` is exactly associative and commutative and merging the distributions of the parts of a data set
/// gives the distribution of the whole (`==`), however it was split.
public struct LatencyDistribution: Sendable, Hashable, Codable {
    /// When to switch and how precise the sketch is. Distributions merge only with the same configuration.
    public struct Configuration: Sendable, Hashable, Codable {
        /// The most values kept exactly (default 1,000).
        public var exactLimit: Int
        /// The sketch's relative accuracy α (default 0.01, i.e. 1 %).
        public var relativeAccuracy: Double
        /// Smallest value the sketch resolves (default 0.001 s).
        public var minimumValue: Double

        /// A configuration (`exactLimit` at least 0).
        public init(exactLimit: Int = 1_000, relativeAccuracy: Double = 0.01, minimumValue: Double = 0.001) {
            self.exactLimit = Swift.max(0, exactLimit)
            self.relativeAccuracy = relativeAccuracy
            self.minimumValue = minimumValue
        }
    }

    private enum Storage: Hashable, Codable {
        case exact([Double])
        case sketch(LogHistogramSketch)
    }

    /// The switch threshold and sketch parameters.
    public let configuration: Configuration
    private var storage: Storage

    /// An empty distribution.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        storage = .exact([])
    }

    /// A distribution in sketch mode holding `sketch`'s values (``RollupFigures/stats``): its configuration has an
    /// ``Configuration/exactLimit`` of 0 and the sketch's accuracy and minimum value.
    public init(_ sketch: LogHistogramSketch) {
        configuration = Configuration(
            exactLimit: 0, relativeAccuracy: sketch.relativeAccuracy, minimumValue: sketch.minimumValue)
        storage = .sketch(sketch)
    }

    /// Number of values.
    public var count: Int {
        switch storage {
        case .exact(let values): values.count
        case .sketch(let sketch): sketch.count
        }
    }

    /// Whether percentiles are exact (the distribution has not switched to the sketch).
    public var isExact: Bool {
        if case .exact = storage { return true }
        return false
    }

    /// The smallest value (exact in both modes).
    public var min: Double? {
        switch storage {
        case .exact(let values): values.first
        case .sketch(let sketch): sketch.min
        }
    }

    /// The largest value (exact in both modes).
    public var max: Double? {
        switch storage {
        case .exact(let values): values.last
        case .sketch(let sketch): sketch.max
        }
    }

    /// Adds one latency in seconds (`NaN` is ignored; negative values count as 0).
    public mutating func add(_ value: Double) {
        guard !value.isNaN else { return }
        let x = Swift.max(0, value)
        switch storage {
        case .exact(var values):
            storage = .exact([])  // keep `values` uniquely referenced while inserting
            values.insert(x, at: values.partitioningIndex { $0 > x })
            storage = .exact(values)
            promoteIfNeeded()
        case .sketch(var sketch):
            sketch.add(x)
            storage = .sketch(sketch)
        }
    }

    /// Adds every value of `other`. Requires the same ``configuration``.
    public mutating func merge(_ other: LatencyDistribution) {
        precondition(configuration == other.configuration, "LatencyDistribution.merge: different configurations")
        switch (storage, other.storage) {
        case (.exact(let mine), .exact(let theirs)):
            storage = .exact(LatencyDistribution.mergeSorted(mine, theirs))
            promoteIfNeeded()
        case (.sketch(var mine), .sketch(let theirs)):
            mine.merge(theirs)
            storage = .sketch(mine)
        case (.sketch(var mine), .exact(let theirs)):
            for value in theirs { mine.add(value) }
            storage = .sketch(mine)
        case (.exact(let mine), .sketch(var theirs)):
            for value in mine { theirs.add(value) }
            storage = .sketch(theirs)
        }
    }

    /// Percentile `p` (0…100): exact nearest-rank in exact mode, within the sketch's relative error otherwise;
    /// `nil` when empty.
    public func percentile(_ p: Double) -> Double? {
        switch storage {
        case .exact(let values): Percentiles.nearestRank(p, of: values)
        case .sketch(let sketch): sketch.percentile(p)
        }
    }

    /// p50, p90 and p99.
    public var percentiles: Percentiles {
        Percentiles(p50: percentile(50), p90: percentile(90), p99: percentile(99))
    }

    private mutating func promoteIfNeeded() {
        guard case .exact(let values) = storage, values.count > configuration.exactLimit else { return }
        var sketch = LogHistogramSketch(
            relativeAccuracy: configuration.relativeAccuracy, minimumValue: configuration.minimumValue)
        for value in values { sketch.add(value) }
        storage = .sketch(sketch)
    }

    private static func mergeSorted(_ a: [Double], _ b: [Double]) -> [Double] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        var out: [Double] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        while i < a.count && j < b.count {
            if b[j] < a[i] {
                out.append(b[j])
                j += 1
            } else {
                out.append(a[i])
                i += 1
            }
        }
        out += a[i...]
        out += b[j...]
        return out
    }
}

extension Array {
    /// The first index whose element satisfies `belongsInSecondPartition` (the array must be partitioned by it).
    fileprivate func partitioningIndex(where belongsInSecondPartition: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if belongsInSecondPartition(self[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
