import Foundation
import Testing
import WACore

@Suite("Analytics rollups")
struct RollupTests {
    /// A small exact limit so rollups hold both exact and sketch distributions and merges cross modes.
    static let configuration = LatencyDistribution.Configuration(exactLimit: 25)

    @Test("rates, counts and exact percentiles agree with the reference", arguments: [1, 2, 3])
    func statsMatchReference(seed: UInt64) {
        let data = AnalyticsTestData(seed: seed)
        let events = data.events(messages: 800)
        let stats = MessageStats(events, configuration: .init(exactLimit: 10_000))
        let reference = AnalyticsReference.summary(events)
        #expect(stats.counts.sent == reference.sent)
        #expect(stats.counts.delivered == reference.delivered)
        #expect(stats.counts.read == reference.read)
        #expect(stats.counts.failed == reference.failed)
        #expect(stats.counts.replied == reference.replied)
        #expect(stats.counts.received == reference.received)
        #expect(stats.rates.deliveryRate == Double(reference.delivered) / Double(reference.sent))
        #expect(stats.rates.readRate == Double(reference.read) / Double(reference.delivered))
        #expect(stats.rates.replyRate == Double(reference.replied) / Double(reference.sent))
        #expect(stats.rates.failureRate == Double(reference.failed) / Double(reference.sent + reference.failed))
        #expect(stats.timeToDelivered.isExact && stats.timeToRead.isExact)
        for p in [0, 1, 10, 50, 90, 99, 100] {
            #expect(
                stats.timeToDelivered.percentile(Double(p)) == AnalyticsReference.percentile(p, of: reference.deliveredLatencies)
            )
            #expect(stats.timeToRead.percentile(Double(p)) == AnalyticsReference.percentile(p, of: reference.readLatencies))
        }
        #expect(stats.timeToDelivered.percentiles.p90 == AnalyticsReference.percentile(90, of: reference.deliveredLatencies))
    }

    @Test("sketched percentiles of a large rollup are within the relative accuracy")
    func sketchedStatsWithinError() {
        let data = AnalyticsTestData(seed: 11)
        let events = data.events(messages: 12_000)
        let stats = MessageStats(events)  // default: exact up to 1,000 values, then α = 1 %
        let reference = AnalyticsReference.summary(events)
        #expect(!stats.timeToDelivered.isExact)
        for p in [1, 25, 50, 75, 90, 99] {
            let exact = AnalyticsReference.percentile(p, of: reference.deliveredLatencies)!
            let estimate = stats.timeToDelivered.percentile(Double(p))!
            #expect(abs(estimate - exact) <= 0.01 * exact * (1 + 1e-9))
            let exactRead = AnalyticsReference.percentile(p, of: reference.readLatencies)!
            let estimateRead = stats.timeToRead.percentile(Double(p))!
            #expect(abs(estimateRead - exactRead) <= 0.01 * exactRead * (1 + 1e-9))
        }
    }

    @Test("zero denominators give nil rates")
    func zeroDenominators() {
        let empty = MessageCounts().rates
        #expect(
            empty.deliveryRate == nil && empty.readRate == nil && empty.replyRate == nil && empty.failureRate == nil)
        let onlyFailed = MessageCounts(failed: 3).rates
        #expect(onlyFailed.failureRate == 1)
        #expect(onlyFailed.deliveryRate == nil)
        let sentOnly = MessageCounts(sent: 4, replied: 1).rates
        #expect(sentOnly.deliveryRate == 0)
        #expect(sentOnly.readRate == nil)
        #expect(sentOnly.replyRate == 0.25)
    }

    @Test(
        "rollups of random parts merged in random groupings equal the rollup of all events",
        arguments: [RollupDimensions.organization, .instance, .campaign, .all])
    func mergeEqualsWhole(dimensions: RollupDimensions) throws {
        let data = AnalyticsTestData(seed: UInt64(17 + dimensions.rawValue))
        let events = data.events(messages: 1_500)
        let whole = DailyRollups(events, dimensions: dimensions, configuration: Self.configuration)
        #expect(!whole.rows.isEmpty)
        for _ in 0..<15 {
            let parts = data.split(data.shuffled(events), parts: data.int(1..<9)).map {
                DailyRollups($0, dimensions: dimensions, configuration: Self.configuration)
            }
            let merged = try data.randomTree(data.shuffled(parts)) { try $0.merging($1) }
            #expect(merged == whole)
        }
    }

    @Test("merge is associative and commutative")
    func associativeCommutative() throws {
        let data = AnalyticsTestData(seed: 5)
        for _ in 0..<10 {
            let sets = (0..<3).map { _ in
                DailyRollups(data.events(messages: data.int(0..<400)), configuration: Self.configuration)
            }
            let (a, b, c) = (sets[0], sets[1], sets[2])
            #expect(try a.merging(b).merging(c) == a.merging(b.merging(c)))
            #expect(try a.merging(b) == b.merging(a))
            #expect(try a.merging(DailyRollups(configuration: Self.configuration)) == a)
        }
    }

    @Test("coarsening a rollup equals rolling events up at the coarser dimensions")
    func rollupOfRollups() throws {
        let data = AnalyticsTestData(seed: 23)
        let events = data.events(messages: 2_000)
        let fine = DailyRollups(events, dimensions: .all, configuration: Self.configuration)
        for coarser in [RollupDimensions.organization, .instance, .campaign, .all] {
            #expect(
                fine.rolledUp(to: coarser)
                    == DailyRollups(events, dimensions: coarser, configuration: Self.configuration))
        }
        // Coarsened parts merge to the coarse whole too.
        let parts = data.split(events, parts: 4).map {
            DailyRollups($0, configuration: Self.configuration).rolledUp(to: .organization)
        }
        let merged = try parts.dropFirst().reduce(parts[0]) { try $0.merging($1) }
        #expect(merged == DailyRollups(events, dimensions: .organization, configuration: Self.configuration))
    }

    @Test("rows are keyed by the send day in the rollup's time zone and match per-key references")
    func keysAndPerKeyReference() throws {
        let data = AnalyticsTestData(seed: 31)
        let events = data.events(messages: 600)
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        let rollups = DailyRollups(events, dimensions: .all, timeZone: tokyo, configuration: .init(exactLimit: 100_000))
        let grouped = Dictionary(grouping: events) {
            RollupKey(
                organizationID: $0.organizationID, day: DayKey($0.sentAt ?? $0.occurredAt, in: tokyo),
                instanceID: $0.instanceID, campaignID: $0.campaignID)
        }
        #expect(Set(grouped.keys) == Set(rollups.rows.keys))
        for (key, group) in grouped {
            let reference = AnalyticsReference.summary(group)
            let stats = try #require(rollups.rows[key])
            #expect(stats.counts.sent == reference.sent && stats.counts.read == reference.read)
            #expect(stats.timeToRead.percentile(50) == AnalyticsReference.percentile(50, of: reference.readLatencies))
        }
        // A receipt on a later day counts on the send day.
        let sentAt = Date(timeIntervalSince1970: 1_709_251_200 - 60)  // 2024-02-29T23:59Z
        let delivered = MessageEvent(
            organizationID: data.organizations[0], instanceID: data.instances[0], messageID: MessageID(high: 1, low: 1),
            direction: .outbound, milestone: .delivered, occurredAt: sentAt.addingTimeInterval(120), sentAt: sentAt)
        let single = DailyRollups([delivered])
        #expect(single.rows.keys.map(\.day.description) == ["2024-02-29"])
        #expect(single.rows.values.first?.timeToDelivered.percentile(50) == 120)
    }

    @Test("merging incompatible rollups throws")
    func incompatible() throws {
        let utc = DailyRollups()
        let berlin = DailyRollups(timeZone: try #require(TimeZone(identifier: "Europe/Berlin")))
        expectWAError(.incompatibleRollups) { try utc.merging(berlin) }
        do {
            _ = try utc.merging(DailyRollups(dimensions: .instance))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .incompatibleRollups)
        }
    }

    @Test("rollups round-trip through JSON")
    func codable() throws {
        let data = AnalyticsTestData(seed: 8)
        let rollups = DailyRollups(data.events(messages: 500), configuration: Self.configuration)
        let decoded = try JSONDecoder().decode(DailyRollups.self, from: JSONEncoder().encode(rollups))
        #expect(decoded == rollups)
    }
}
