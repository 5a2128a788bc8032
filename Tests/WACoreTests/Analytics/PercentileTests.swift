import Foundation
import Testing
import WACore

@Suite("Analytics percentiles")
struct PercentileTests {
    @Test("nearest rank follows its definition")
    func nearestRankDefinition() {
        #expect(Percentiles.nearestRank(50, count: 0) == 0)
        #expect(Percentiles.nearestRank(0, count: 10) == 1)
        #expect(Percentiles.nearestRank(100, count: 10) == 10)
        #expect(Percentiles.nearestRank(50, count: 10) == 5)
        #expect(Percentiles.nearestRank(51, count: 10) == 6)
        #expect(Percentiles.nearestRank(7, count: 100) == 7)  // 0.07·100 in floating point is 7.000000000000001
        #expect(Percentiles.nearestRank(99, count: 1) == 1)
        // Every integer percentile and size up to 300 agrees with the integer definition.
        for n in 1...300 {
            for p in 0...100 {
                var rank = 1
                while rank * 100 < p * n { rank += 1 }
                #expect(Percentiles.nearestRank(Double(p), count: n) == rank)
            }
        }
        #expect(Percentiles.nearestRank(50, of: [3, 1, 2].sorted()) == 2)
        #expect(Percentiles.nearestRank(50, of: []) == nil)
    }

    @Test("exact mode equals the reference on random data", arguments: [1, 2, 3, 10, 99, 100, 500, 1000])
    func exactMatchesReference(count: Int) {
        let data = AnalyticsTestData(seed: UInt64(count))
        let values = (0..<count).map { _ in data.logUniform(0.001, 100_000) }
        var distribution = LatencyDistribution()
        for value in values { distribution.add(value) }
        #expect(distribution.isExact)
        #expect(distribution.count == count)
        for p in 0...100 {
            #expect(distribution.percentile(Double(p)) == AnalyticsReference.percentile(p, of: values))
        }
        #expect(distribution.min == values.min())
        #expect(distribution.max == values.max())
    }

    @Test("switches to the sketch above the exact limit")
    func switchesAboveThreshold() {
        var distribution = LatencyDistribution(configuration: .init(exactLimit: 10))
        for i in 1...10 { distribution.add(Double(i)) }
        #expect(distribution.isExact)
        distribution.add(11)
        #expect(!distribution.isExact)
        #expect(distribution.count == 11)
        #expect(distribution.min == 1)
        #expect(distribution.max == 11)
        #expect(LatencyDistribution().percentile(50) == nil)
    }

    @Test("sketch percentiles are within the relative accuracy", arguments: [0.01, 0.02, 0.05])
    func sketchWithinRelativeError(alpha: Double) {
        let data = AnalyticsTestData(seed: 42)
        let values = (0..<20_000).map { _ in data.logUniform(0.01, 1_000_000) }
        var distribution = LatencyDistribution(configuration: .init(exactLimit: 1_000, relativeAccuracy: alpha))
        for value in values { distribution.add(value) }
        #expect(!distribution.isExact)
        for p in [0, 1, 5, 10, 25, 50, 75, 90, 95, 99, 100] + (0..<50).map({ _ in data.int(0..<101) }) {
            let exact = AnalyticsReference.percentile(p, of: values)!
            let estimate = distribution.percentile(Double(p))!
            #expect(abs(estimate - exact) <= alpha * exact * (1 + 1e-9), "p\(p): \(estimate) vs \(exact)")
        }
    }

    @Test("sketch memory is bounded by the value range, not the count")
    func sketchMemoryBounded() {
        let data = AnalyticsTestData(seed: 7)
        var sketch = LogHistogramSketch(relativeAccuracy: 0.01, minimumValue: 0.001)
        for _ in 0..<200_000 { sketch.add(data.logUniform(0.001, 31_536_000)) }
        #expect(sketch.count == 200_000)
        let bound = Int((log(31_536_000 / 0.001) / log(1.01 / 0.99)).rounded(.up)) + 1
        #expect(sketch.buckets.count <= bound)
        #expect(bound < 1_300)
    }

    @Test("values below the minimum are within an absolute error of the minimum")
    func sketchZeroBucket() {
        var sketch = LogHistogramSketch(relativeAccuracy: 0.01, minimumValue: 0.5)
        let values: [Double] = [0, 0.1, 0.2, 0.3, -1, 10, 20, 30]
        for value in values { sketch.add(value) }
        sketch.add(.nan)
        #expect(sketch.count == 8)
        #expect(sketch.zeroCount == 5)
        let clamped = values.map { max(0, $0) }
        for p in 0...100 {
            let exact = AnalyticsReference.percentile(p, of: clamped)!
            let estimate = sketch.percentile(Double(p))!
            if exact < 0.5 {
                #expect(abs(estimate - exact) < 0.5)
            } else {
                #expect(abs(estimate - exact) <= 0.01 * exact * (1 + 1e-9))
            }
        }
    }

    @Test("distribution merge is exact, associative and commutative across modes")
    func distributionMerge() {
        let data = AnalyticsTestData(seed: 99)
        let configuration = LatencyDistribution.Configuration(exactLimit: 40)
        let values = (0..<300).map { _ in data.logUniform(0.0001, 10_000) }
        func distribution(_ values: [Double]) -> LatencyDistribution {
            var d = LatencyDistribution(configuration: configuration)
            for value in values { d.add(value) }
            return d
        }
        let whole = distribution(values)
        for _ in 0..<30 {
            let parts = data.split(data.shuffled(values), parts: data.int(1..<12)).map(distribution)
            let merged = data.randomTree(parts) { a, b in
                var m = a
                m.merge(b)
                return m
            }
            #expect(merged == whole)
            let reversed = parts.reversed().reduce(LatencyDistribution(configuration: configuration)) { a, b in
                var m = a
                m.merge(b)
                return m
            }
            #expect(reversed == whole)
        }
        // Small parts that stay exact when merged.
        let small = distribution(Array(values.prefix(20)))
        var twice = distribution(Array(values.prefix(10)))
        twice.merge(distribution(Array(values[10..<20])))
        #expect(twice == small)
        #expect(twice.isExact)
    }

    @Test("DayKey computes calendar days in a time zone")
    func dayKeys() throws {
        let date = Date(timeIntervalSince1970: 1_709_251_200 - 1)  // 2024-02-29T23:59:59Z
        #expect(DayKey(date).description == "2024-02-29")
        #expect(DayKey(date.addingTimeInterval(1)).description == "2024-03-01")
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        #expect(DayKey(date, in: berlin).description == "2024-03-01")
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        #expect(DayKey(date, in: newYork).description == "2024-02-29")
        #expect(DayKey("2024-02-29") == DayKey(year: 2024, month: 2, day: 29))
        #expect(DayKey("2023-02-29") == nil)
        #expect(DayKey("1970-01-01")?.daysSinceEpoch == 0)
        #expect(DayKey(daysSinceEpoch: -1).description == "1969-12-31")
        let day = try #require(DayKey("2024-03-31"))
        #expect(day.start(in: berlin) == Date(timeIntervalSince1970: 1_711_839_600))  // 2024-03-30T23:00:00Z
        #expect(DayKey(day.start(in: berlin), in: berlin) == day)
        let calendar = Calendar(identifier: .gregorian)
        for offset in stride(from: -120_000, to: 150_000, by: 97) {
            let key = DayKey(daysSinceEpoch: offset)
            var utc = calendar
            utc.timeZone = .gmt
            let parts = utc.dateComponents([.year, .month, .day], from: key.start())
            #expect(
                key.components.year == parts.year && key.components.month == parts.month
                    && key.components.day == parts.day)
            #expect(DayKey(key.description) == key || key.components.year < 0)
        }
        let encoded = try JSONEncoder().encode([day])
        #expect(String(decoding: encoded, as: UTF8.self) == "[\"2024-03-31\"]")
        #expect(try JSONDecoder().decode([DayKey].self, from: encoded) == [day])
    }
}
