import Foundation
import PostgresNIO
import Testing
import WACore
import WACoreTesting
@testable import WAPostgres

/// Rollups kept at three spans (migration 0005): the runs a read covers a day with, the increments filed at every
/// span, and the hours and days the migration builds from slots stored before it.
@Suite("PostgreSQL rollup spans")
struct PostgresRollupSpanTests {
    /// 2025-06-15T00:00:00Z.
    static let midnight: Int64 = 1_749_945_600

    @Test func aCoverTilesItsSlotsOnceWithTheCoarsestRowsThatFit() {
        var generator = SeededRandomSource(seed: 11).generator
        func ceiling(_ value: Int64, _ span: RollupSpan) -> Int64 {
            let start = span.start(containing: value)
            return start == value ? start : start + span.seconds
        }
        for round in 0..<3_000 {
            let base = round % 3 == 0 ? 0 : Self.midnight
            let start = base + Int64.random(in: -3_000...3_000, using: &generator) * 900
            let end = start + Int64.random(in: -2...1_200, using: &generator) * 900
            let runs = RollupSpan.cover(from: start, to: end)
            guard end > start else {
                #expect(runs.isEmpty)
                continue
            }
            #expect(runs.first?.lowerBound == start && runs.last?.upperBound == end, "\(start)..<\(end)")
            #expect(runs.count <= 5, "quarter-hours, hours, days, hours, quarter-hours at most")
            for (index, run) in runs.enumerated() {
                #expect(run.lowerBound < run.upperBound)
                #expect(run.span.start(containing: run.lowerBound) == run.lowerBound)
                #expect(run.span.start(containing: run.upperBound) == run.upperBound)
                if index > 0 {
                    #expect(runs[index - 1].upperBound == run.lowerBound, "runs are contiguous")
                    #expect(runs[index - 1].span != run.span, "runs of one span are merged")
                }
                // The coarsest rows that fit: no whole hour inside a run of quarter-hours, no whole UTC day inside
                // a run of hours.
                if let coarser = RollupSpan.allCases.first(where: { $0 > run.span }) {
                    #expect(ceiling(run.lowerBound, coarser) + coarser.seconds > run.upperBound, "\(run)")
                }
            }
        }

        let day = Self.midnight
        #expect(RollupSpan.cover(from: day, to: day + 86_400) == [.init(span: .day, lowerBound: day, upperBound: day + 86_400)])
        // A winter day in Berlin (from 23:00 UTC) is 24 hour rows; a day in Kathmandu (from 18:15 UTC) is three
        // quarter-hours, 23 hours and one quarter-hour.
        #expect(
            RollupSpan.cover(from: day - 3_600, to: day + 82_800) == [
                .init(span: .hour, lowerBound: day - 3_600, upperBound: day + 82_800)
            ])
        #expect(
            RollupSpan.cover(from: day - 20_700, to: day + 65_700) == [
                .init(span: .quarterHour, lowerBound: day - 20_700, upperBound: day - 18_000),
                .init(span: .hour, lowerBound: day - 18_000, upperBound: day + 64_800),
                .init(span: .quarterHour, lowerBound: day + 64_800, upperBound: day + 65_700),
            ])
    }

    @Test func theMigrationFillsTheHoursAndDaysOfSlotsStoredBeforeItAndLaterIncrementsAddToThem() async throws {
        let org = OrganizationID(uuid: UUID())
        let instance = InstanceID(uuid: UUID())
        let campaign = CampaignID(uuid: UUID())
        var generator = SeededRandomSource(seed: 12).generator
        func randomFigures() -> RollupFigures {
            var figures = RollupFigures()
            figures.counts = MessageCounts(
                sent: Int.random(in: 0...9, using: &generator), delivered: Int.random(in: 0...9, using: &generator),
                read: Int.random(in: 0...9, using: &generator), failed: Int.random(in: 0...2, using: &generator),
                replied: Int.random(in: 0...3, using: &generator), received: Int.random(in: 0...9, using: &generator))
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                figures.timeToDelivered.add(Double.random(in: 0...600, using: &generator))
            }
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                figures.timeToRead.add(Double.random(in: 0.0001...90_000, using: &generator))
            }
            return figures
        }
        // Slots over three UTC days, in and out of the campaign.
        var stored: [RollupSlot: RollupFigures] = [:]
        for _ in 0..<60 {
            let start = Self.midnight + Int64.random(in: -96...191, using: &generator) * 900
            let slot = RollupSlot(
                organizationID: org, containing: Date(timeIntervalSince1970: TimeInterval(start)), instanceID: instance,
                campaignID: Bool.random(using: &generator) ? campaign : nil)
            stored[slot, default: RollupFigures()].merge(randomFigures())
        }
        var later: [RollupSlot: RollupFigures] = [:]
        for slot in stored.keys.shuffled(using: &generator).prefix(20) { later[slot] = randomFigures() }
        let days = DayKey(Date(timeIntervalSince1970: TimeInterval(Self.midnight)), in: .gmt).advanced(by: -2)
            ... DayKey(Date(timeIntervalSince1970: TimeInterval(Self.midnight)), in: .gmt).advanced(by: 3)
        func expected(_ slots: [RollupSlot: RollupFigures], in zone: TimeZone) -> [RollupKey: RollupFigures] {
            var figures: [RollupKey: RollupFigures] = [:]
            for (slot, value) in slots {
                let key = RollupKey(
                    organizationID: org, day: DayKey(slot.startDate, in: zone), instanceID: nil,
                    campaignID: slot.campaignID)
                figures[key, default: RollupFigures()].merge(value)
            }
            return figures
        }

        try await TestDatabase.withFreshDatabase { client, _ in
            let migrator = PostgresMigrator(client: client, logger: TestDatabase.logger)
            try await migrator.migrate(try Migration.bundled.filter { $0.version < 5 })
            try await TestDatabase.transaction(client, as: .system) { connection in
                for (slot, figures) in stored {
                    try await Self.fileBeforeSpans(figures, slot, on: connection)
                }
            }
            #expect(try await migrator.migrate() == [5])

            let runner = PostgresTransactionRunner(client: client, logger: TestDatabase.logger)
            let scope = TransactionScope.organization(org)
            func read(in zone: TimeZone) async throws -> [RollupKey: RollupFigures] {
                try await runner.run(scope) { connection in
                    let context = PostgresTransactionContext(connection: connection, scope: scope, logger: runner.logger)
                    defer { context.close() }
                    return try await PostgresRollupRepository(context: context).dailyFigures(
                        in: org, days: days, timeZone: zone, dimensions: .campaign, instanceIDs: [instance],
                        campaignID: nil)
                }
            }
            let zones = ["UTC", "Europe/Berlin", "Asia/Kathmandu", "America/St_Johns"].compactMap(TimeZone.init(identifier:))
            for zone in zones {
                #expect(try await read(in: zone) == expected(stored, in: zone), "\(zone.identifier), migrated")
            }
            let spans = try await TestDatabase.transaction(client, as: .system) { connection in
                try await connection.strings(
                    "SELECT span || ' ' || count(DISTINCT slot_start) FROM message_rollups GROUP BY span ORDER BY span")
            }
            #expect(spans.last == "86400 3", "three UTC days")
            #expect(spans.count == 3)

            try await runner.run(scope) { connection in
                let context = PostgresTransactionContext(connection: connection, scope: scope, logger: runner.logger)
                defer { context.close() }
                try await PostgresRollupRepository(context: context).add(later, in: org)
            }
            var all = stored
            for (slot, figures) in later { all[slot, default: RollupFigures()].merge(figures) }
            for zone in zones {
                #expect(try await read(in: zone) == expected(all, in: zone), "\(zone.identifier), after more increments")
            }
            // Each span holds the same totals.
            let totals = try await TestDatabase.transaction(client, as: .system) { connection in
                try await connection.strings(
                    """
                    SELECT r.span || ': ' || sum(r.sent) || ' ' || sum(r.delivered) || ' ' || sum(r.read) || ' '
                        || sum(r.failed) || ' ' || sum(r.replied) || ' ' || sum(r.received) || ' '
                        || sum(r.delivered_latency_zero_count) || ' ' || min(r.read_latency_min) || ' '
                        || max(r.read_latency_max) || ' '
                        || (SELECT sum(l.count) FROM message_rollup_latencies l WHERE l.span = r.span)
                    FROM message_rollups r GROUP BY r.span ORDER BY r.span
                    """)
            }
            #expect(totals.count == 3)
            #expect(Set(totals.map { $0.drop { $0 != ":" } }).count == 1, "\(totals)")
        }
    }

    /// Files `figures` into `slot` as the store did before migration 0005 (rows without a span).
    private static func fileBeforeSpans(
        _ figures: RollupFigures, _ slot: RollupSlot, on connection: PostgresConnection
    ) async throws {
        let c = figures.counts
        let d = figures.timeToDelivered
        let r = figures.timeToRead
        let campaign = slot.campaignID?.uuid ?? PostgresRollupRepository.noCampaign
        try await connection.execute(
            """
            INSERT INTO message_rollups (organization_id, slot_start, instance_id, campaign_id, sent, delivered, read,
                failed, replied, received, delivered_latency_zero_count, delivered_latency_min, delivered_latency_max,
                read_latency_zero_count, read_latency_min, read_latency_max)
            VALUES (\(slot.organizationID.uuid), \(slot.start), \(slot.instanceID.uuid), \(campaign), \(c.sent),
                \(c.delivered), \(c.read), \(c.failed), \(c.replied), \(c.received), \(d.zeroCount), \(d.min), \(d.max),
                \(r.zeroCount), \(r.min), \(r.max))
            """)
        for (metric, sketch) in [("delivered", d), ("read", r)] {
            for (bucket, count) in sketch.buckets {
                try await connection.execute(
                    """
                    INSERT INTO message_rollup_latencies (organization_id, slot_start, instance_id, campaign_id, metric,
                        bucket, count)
                    VALUES (\(slot.organizationID.uuid), \(slot.start), \(slot.instanceID.uuid), \(campaign), \(metric),
                        \(bucket), \(count))
                    """)
            }
        }
    }
}
