import Foundation
import PostgresNIO
import WACore

/// Message rollups in `message_rollups` (counts, sketch zero counts and bounds) and `message_rollup_latencies`
/// (sketch buckets), each row one ``RollupSpan`` long: ``add(_:in:)`` files every increment at the three spans
/// (its quarter-hour slot, that slot's UTC hour and UTC day) with upserts that add, so concurrent writers never lose
/// one; ``dailyFigures(in:days:timeZone:dimensions:instanceIDs:campaignID:)`` sums, per day, the coarsest rows that
/// fit inside it (``RollupSpan/cover(from:to:)``) in the database.
///
/// Days are decided in Swift: each day's first instant (``DayKey/start(in:)``), rounded up to a slot start, bounds
/// the slots the day holds (a slot belongs to the day its start falls in), so the figures follow exactly the days
/// ``DayKey`` computes, whatever the database's own time-zone data says. A UTC day reads one row per key, a day of a
/// whole-hour zone 23 to 25 hour rows, a day of a quarter-hour zone hour rows and at most seven slots.
struct PostgresRollupRepository: MessageRollupRepository {
    let context: PostgresTransactionContext

    /// A slot without a campaign is stored with the nil UUID (a primary key holds no NULL).
    static let noCampaign = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    func dailyFigures(
        in organization: OrganizationID, days: ClosedRange<DayKey>, timeZone: TimeZone, dimensions: RollupDimensions,
        instanceIDs: Set<InstanceID>?, campaignID: CampaignID?
    ) async throws(WAError) -> [RollupKey: RollupFigures] {
        try context.requireUsable(for: organization, "message rollups")
        let bounds = (0...days.lowerBound.distance(to: days.upperBound) + 1).map { offset in
            Self.firstSlotStart(atOrAfter: days.lowerBound.advanced(by: offset).start(in: timeZone))
        }
        var runs: [(day: Int, run: RollupSpan.Run)] = []
        for day in 0..<(bounds.count - 1) {
            runs += RollupSpan.cover(from: bounds[day], to: bounds[day + 1]).map { (day, $0) }
        }
        let keepInstance = dimensions.contains(.instance)
        let keepCampaign = dimensions.contains(.campaign)
        /// Per run of rows, the sums grouped by day and the kept dimensions. `OFFSET 0` keeps the lateral subquery
        /// from being pulled up: without it the planner joins the runs to a sequential scan of the organization's
        /// rows (all spans) by hash, ten times slower than one index range scan per run.
        func select(_ table: String, buckets: Bool, _ sums: String) -> SQLBuilder {
            var sql = SQLBuilder("SELECT d.day::int")
            sql.append(keepInstance ? ", r.instance_id" : ", NULL::uuid")
            sql.append(keepCampaign ? ", r.campaign_id" : ", NULL::uuid")
            sql.append(buckets ? ", r.metric, r.bucket" : "")
            sql.append(", \(sums) FROM unnest(")
            sql.append(bound: .integers(runs.map { $0.run.span.rawValue }))
            sql.append(", ")
            sql.append(bound: .integers(runs.map { Int($0.run.lowerBound) }))
            sql.append(", ")
            sql.append(bound: .integers(runs.map { Int($0.run.upperBound) }))
            sql.append(", ")
            sql.append(bound: .integers(runs.map(\.day)))
            sql.append(") AS d(span, low, high, day) CROSS JOIN LATERAL (SELECT * FROM \(table) x WHERE x.organization_id = ")
            sql.append(bound: .id(organization))
            sql.append(" AND x.span = d.span AND x.slot_start >= d.low AND x.slot_start < d.high")
            if let instanceIDs {
                sql.append(" AND x.instance_id = ANY(")
                sql.append(bound: .ids(instanceIDs))
                sql.append(")")
            }
            if let campaignID {
                sql.append(" AND x.campaign_id = ")
                sql.append(bound: .id(campaignID))
            }
            sql.append(" OFFSET 0) r GROUP BY 1, 2, 3\(buckets ? ", 4, 5" : "")")
            return sql
        }
        var result: [RollupKey: RollupFigures] = [:]
        func key(_ day: Int, _ instance: UUID?, _ campaign: UUID?) -> RollupKey {
            RollupKey(
                organizationID: organization, day: days.lowerBound.advanced(by: day),
                instanceID: instance.map(InstanceID.init(uuid:)),
                campaignID: campaign.flatMap { $0 == Self.noCampaign ? nil : CampaignID(uuid: $0) })
        }
        let counts = select(
            "message_rollups", buckets: false,
            "sum(r.sent)::bigint, sum(r.delivered)::bigint, sum(r.read)::bigint, sum(r.failed)::bigint,"
                + " sum(r.replied)::bigint, sum(r.received)::bigint, sum(r.delivered_latency_zero_count)::bigint,"
                + " min(r.delivered_latency_min), max(r.delivered_latency_max), sum(r.read_latency_zero_count)::bigint,"
                + " min(r.read_latency_min), max(r.read_latency_max)")
        var rows: [(RollupKey, MessageCounts, (Int, Double?, Double?), (Int, Double?, Double?))] = []
        do {
            for row in try await context.connection.queryWatchingClose(counts.query, logger: context.logger).rows {
                let row = try row.decode(
                    (Int, UUID?, UUID?, Int, Int, Int, Int, Int, Int, Int, Double?, Double?, Int, Double?, Double?).self)
                rows.append(
                    (
                        key(row.0, row.1, row.2),
                        MessageCounts(
                            sent: row.3, delivered: row.4, read: row.5, failed: row.6, replied: row.7, received: row.8),
                        (row.9, row.10, row.11), (row.12, row.13, row.14)
                    ))
            }
        } catch {
            throw PostgresTransactionRunner.mapped(error, doing: "reading message rollups", context.logger)
        }
        var buckets: [RollupKey: (delivered: [Int: Int], read: [Int: Int])] = [:]
        let latencies = select("message_rollup_latencies", buckets: true, "sum(r.count)::bigint")
        do {
            for row in try await context.connection.queryWatchingClose(latencies.query, logger: context.logger).rows {
                let row = try row.decode((Int, UUID?, UUID?, String, Int, Int).self)
                let rowKey = key(row.0, row.1, row.2)
                if row.3 == "delivered" {
                    buckets[rowKey, default: ([:], [:])].delivered[row.4] = row.5
                } else {
                    buckets[rowKey, default: ([:], [:])].read[row.4] = row.5
                }
            }
        } catch {
            throw PostgresTransactionRunner.mapped(error, doing: "reading message rollups", context.logger)
        }
        for (rowKey, counts, delivered, read) in rows {
            var figures = RollupFigures()
            figures.counts = counts
            figures.timeToDelivered = Self.sketch(delivered, buckets[rowKey]?.delivered ?? [:])
            figures.timeToRead = Self.sketch(read, buckets[rowKey]?.read ?? [:])
            result[rowKey] = figures
        }
        return result
    }

    private static func sketch(_ bounds: (Int, Double?, Double?), _ buckets: [Int: Int]) -> LogHistogramSketch {
        LogHistogramSketch(
            relativeAccuracy: RollupFigures.latencyAccuracy, minimumValue: RollupFigures.minimumLatency,
            zeroCount: bounds.0, buckets: buckets, min: bounds.1, max: bounds.2)
    }

    /// The first slot start at or after `date` (the first slot of the day that starts at `date`).
    static func firstSlotStart(atOrAfter date: Date) -> Int64 {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.up))
        let start = RollupSpan.quarterHour.start(containing: seconds)
        return start == seconds ? start : start + RollupSpan.quarterHour.seconds
    }

    /// One row to add to: a span and the ``WACore/RollupSlot`` (organization, instance, campaign) with the row's
    /// start.
    private struct Row: Hashable, Comparable {
        var span: RollupSpan
        var slot: RollupSlot

        static func < (lhs: Row, rhs: Row) -> Bool {
            lhs.span != rhs.span ? lhs.span < rhs.span : lhs.slot < rhs.slot
        }
    }

    /// Adds `increments` (``RollupFigures/increments(for:)``) of `organization`'s rollups, each to its slot, its
    /// hour and its day: two statements, one for the rows of `message_rollups`, then one for the buckets. Rows are
    /// written in one order (span, start, instance, campaign, then metric and bucket) by every writer, so two
    /// transactions filing into the same rows wait for each other and never deadlock.
    func add(_ increments: [RollupSlot: RollupFigures], in organization: OrganizationID) async throws(WAError) {
        var merged: [Row: RollupFigures] = [:]
        for (slot, figures) in increments {
            for span in RollupSpan.allCases {
                var key = slot
                key.start = span.start(containing: slot.start)
                merged[Row(span: span, slot: key), default: RollupFigures()].merge(figures)
            }
        }
        let rows = merged.sorted { $0.key < $1.key }
        guard !rows.isEmpty else { return }

        var sql = SQLBuilder(
            "INSERT INTO message_rollups (organization_id, span, slot_start, instance_id, campaign_id, sent, delivered,"
                + " read, failed, replied, received, delivered_latency_zero_count, delivered_latency_min,"
                + " delivered_latency_max, read_latency_zero_count, read_latency_min, read_latency_max) SELECT ")
        sql.append(bound: .id(organization))
        sql.append(
            ", u.span, u.slot_start, u.instance_id, u.campaign_id, u.sent, u.delivered, u.read, u.failed, u.replied,"
                + " u.received, u.dz, nullif(u.dmin, 'NaN'), nullif(u.dmax, 'NaN'), u.rz, nullif(u.rmin, 'NaN'),"
                + " nullif(u.rmax, 'NaN') FROM unnest(")
        func latencyBound(_ value: Double?) -> Double { value ?? .nan }
        let columns: [SQLValue] = [
            .integers(rows.map { $0.key.span.rawValue }), .integers(rows.map { Int($0.key.slot.start) }),
            .ids(rows.map(\.key.slot.instanceID)), .uuids(rows.map { $0.key.slot.campaignID?.uuid ?? Self.noCampaign }),
            .integers(rows.map(\.value.counts.sent)), .integers(rows.map(\.value.counts.delivered)),
            .integers(rows.map(\.value.counts.read)), .integers(rows.map(\.value.counts.failed)),
            .integers(rows.map(\.value.counts.replied)), .integers(rows.map(\.value.counts.received)),
            .integers(rows.map(\.value.timeToDelivered.zeroCount)),
            .doubles(rows.map { latencyBound($0.value.timeToDelivered.min) }),
            .doubles(rows.map { latencyBound($0.value.timeToDelivered.max) }),
            .integers(rows.map(\.value.timeToRead.zeroCount)),
            .doubles(rows.map { latencyBound($0.value.timeToRead.min) }),
            .doubles(rows.map { latencyBound($0.value.timeToRead.max) }),
        ]
        sql.append(columns.map { sql.bind($0) }.joined(separator: ", "))
        sql.append(
            ") WITH ORDINALITY AS u(span, slot_start, instance_id, campaign_id, sent, delivered, read, failed, replied,"
                + " received, dz, dmin, dmax, rz, rmin, rmax, position) ORDER BY u.position"
                + " ON CONFLICT (organization_id, span, slot_start, instance_id, campaign_id) DO UPDATE SET"
                + " sent = message_rollups.sent + EXCLUDED.sent,"
                + " delivered = message_rollups.delivered + EXCLUDED.delivered,"
                + " read = message_rollups.read + EXCLUDED.read, failed = message_rollups.failed + EXCLUDED.failed,"
                + " replied = message_rollups.replied + EXCLUDED.replied,"
                + " received = message_rollups.received + EXCLUDED.received,"
                + " delivered_latency_zero_count = message_rollups.delivered_latency_zero_count"
                + " + EXCLUDED.delivered_latency_zero_count,"
                + " delivered_latency_min = least(message_rollups.delivered_latency_min, EXCLUDED.delivered_latency_min),"
                + " delivered_latency_max = greatest(message_rollups.delivered_latency_max, EXCLUDED.delivered_latency_max),"
                + " read_latency_zero_count = message_rollups.read_latency_zero_count + EXCLUDED.read_latency_zero_count,"
                + " read_latency_min = least(message_rollups.read_latency_min, EXCLUDED.read_latency_min),"
                + " read_latency_max = greatest(message_rollups.read_latency_max, EXCLUDED.read_latency_max)")
        _ = try await context.count(sql, doing: "adding to message rollups")

        var spans: [Int] = []
        var starts: [Int] = []
        var instances: [UUID] = []
        var campaigns: [UUID] = []
        var metrics: [String] = []
        var indexes: [Int] = []
        var counts: [Int] = []
        for (row, figures) in rows {
            for (metric, sketch) in [("delivered", figures.timeToDelivered), ("read", figures.timeToRead)] {
                for (index, count) in sketch.buckets.sorted(by: { $0.key < $1.key }) {
                    spans.append(row.span.rawValue)
                    starts.append(Int(row.slot.start))
                    instances.append(row.slot.instanceID.uuid)
                    campaigns.append(row.slot.campaignID?.uuid ?? Self.noCampaign)
                    metrics.append(metric)
                    indexes.append(index)
                    counts.append(count)
                }
            }
        }
        guard !metrics.isEmpty else { return }
        var buckets = SQLBuilder(
            "INSERT INTO message_rollup_latencies (organization_id, span, slot_start, instance_id, campaign_id, metric,"
                + " bucket, count) SELECT ")
        buckets.append(bound: .id(organization))
        buckets.append(", u.span, u.slot_start, u.instance_id, u.campaign_id, u.metric, u.bucket, u.count FROM unnest(")
        let arrays: [SQLValue] = [
            .integers(spans), .integers(starts), .uuids(instances), .uuids(campaigns), .texts(metrics),
            .integers(indexes), .integers(counts),
        ]
        buckets.append(arrays.map { buckets.bind($0) }.joined(separator: ", "))
        buckets.append(
            ") WITH ORDINALITY AS u(span, slot_start, instance_id, campaign_id, metric, bucket, count, position)"
                + " ORDER BY u.position"
                + " ON CONFLICT (organization_id, span, slot_start, instance_id, campaign_id, metric, bucket)"
                + " DO UPDATE SET count = message_rollup_latencies.count + EXCLUDED.count")
        _ = try await context.count(buckets, doing: "adding to message rollups")
    }
}
