import Foundation
import PostgresNIO
import WACore

/// Message rollups in `message_rollups` (counts, sketch zero counts and bounds per slot) and
/// `message_rollup_latencies` (sketch buckets): ``add(_:in:)`` files increments with upserts that add, so concurrent
/// writers never lose one; ``dailyFigures(in:days:timeZone:dimensions:instanceIDs:campaignID:)`` sums the slots of
/// each day in the database.
///
/// Days are decided in Swift: the statement gets the first instant of every day (``DayKey/start(in:)``) and puts each
/// slot in the day its start falls in with `width_bucket`, so the figures follow exactly the days ``DayKey`` computes,
/// whatever the database's own time-zone data says.
struct PostgresRollupRepository: MessageRollupRepository {
    let context: PostgresTransactionContext

    /// A slot without a campaign is stored with the nil UUID (a primary key holds no NULL).
    static let noCampaign = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    func dailyFigures(
        in organization: OrganizationID, days: ClosedRange<DayKey>, timeZone: TimeZone, dimensions: RollupDimensions,
        instanceIDs: Set<InstanceID>?, campaignID: CampaignID?
    ) async throws(WAError) -> [RollupKey: RollupFigures] {
        try context.requireUsable(for: organization, "message rollups")
        let starts = (0...days.lowerBound.distance(to: days.upperBound) + 1).map { offset in
            Int(days.lowerBound.advanced(by: offset).start(in: timeZone).timeIntervalSince1970.rounded(.up))
        }
        let keepInstance = dimensions.contains(.instance)
        let keepCampaign = dimensions.contains(.campaign)
        func select(_ table: String, _ extra: String, _ sums: String) -> SQLBuilder {
            var sql = SQLBuilder("SELECT width_bucket(slot_start, ")
            sql.append(bound: .integers(starts))
            sql.append("::bigint[])::int AS day")
            sql.append(keepInstance ? ", instance_id::text" : ", ''")
            sql.append(keepCampaign ? ", campaign_id::text" : ", ''")
            sql.append(extra)
            sql.append(", \(sums) FROM \(table) WHERE organization_id = ")
            sql.append(bound: .id(organization))
            sql.append(" AND slot_start >= ")
            sql.append(bound: .integer(starts.first!))
            sql.append(" AND slot_start < ")
            sql.append(bound: .integer(starts.last!))
            if let instanceIDs {
                sql.append(" AND instance_id = ANY(")
                sql.append(bound: .ids(instanceIDs))
                sql.append(")")
            }
            if let campaignID {
                sql.append(" AND campaign_id = ")
                sql.append(bound: .id(campaignID))
            }
            sql.append(" GROUP BY 1, 2, 3\(extra.isEmpty ? "" : ", 4, 5")")
            return sql
        }
        var result: [RollupKey: RollupFigures] = [:]
        func key(_ day: Int, _ instance: String, _ campaign: String) -> RollupKey {
            let campaignID = CampaignID(campaign).flatMap { $0.uuid == Self.noCampaign ? nil : $0 }
            return RollupKey(
                organizationID: organization, day: days.lowerBound.advanced(by: day - 1),
                instanceID: keepInstance ? InstanceID(instance) : nil, campaignID: keepCampaign ? campaignID : nil)
        }
        let counts = select(
            "message_rollups", "",
            "sum(sent)::bigint, sum(delivered)::bigint, sum(read)::bigint, sum(failed)::bigint, sum(replied)::bigint,"
                + " sum(received)::bigint, sum(delivered_latency_zero_count)::bigint, min(delivered_latency_min),"
                + " max(delivered_latency_max), sum(read_latency_zero_count)::bigint, min(read_latency_min),"
                + " max(read_latency_max)")
        var rows: [(RollupKey, MessageCounts, (Int, Double?, Double?), (Int, Double?, Double?))] = []
        do {
            for row in try await context.connection.queryWatchingClose(counts.query, logger: context.logger).rows {
                let row = try row.decode(
                    (Int, String, String, Int, Int, Int, Int, Int, Int, Int, Double?, Double?, Int, Double?, Double?).self)
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
        let latencies = select("message_rollup_latencies", ", metric, bucket", "sum(count)::bigint")
        do {
            for row in try await context.connection.queryWatchingClose(latencies.query, logger: context.logger).rows {
                let row = try row.decode((Int, String, String, String, Int, Int).self)
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

    /// Adds `increments` (``RollupFigures/increments(for:)``) of `organization`'s rollups.
    func add(_ increments: [RollupSlot: RollupFigures], in organization: OrganizationID) async throws(WAError) {
        for (slot, figures) in increments.sorted(by: { $0.key < $1.key }) {
            let campaign = slot.campaignID?.uuid ?? Self.noCampaign
            var sql = SQLBuilder(
                "INSERT INTO message_rollups (organization_id, slot_start, instance_id, campaign_id, sent, delivered,"
                    + " read, failed, replied, received, delivered_latency_zero_count, delivered_latency_min,"
                    + " delivered_latency_max, read_latency_zero_count, read_latency_min, read_latency_max) VALUES (")
            let c = figures.counts
            let values: [SQLValue] = [
                .id(organization), .integer(Int(slot.start)), .id(slot.instanceID), .uuid(campaign), .integer(c.sent),
                .integer(c.delivered), .integer(c.read), .integer(c.failed), .integer(c.replied), .integer(c.received),
                .integer(figures.timeToDelivered.zeroCount), .double(figures.timeToDelivered.min),
                .double(figures.timeToDelivered.max), .integer(figures.timeToRead.zeroCount),
                .double(figures.timeToRead.min), .double(figures.timeToRead.max),
            ]
            sql.append(values.map { sql.bind($0) }.joined(separator: ", "))
            sql.append(
                ") ON CONFLICT (organization_id, slot_start, instance_id, campaign_id) DO UPDATE SET"
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
            var metrics: [String] = []
            var indexes: [Int] = []
            var counts: [Int] = []
            for (metric, sketch) in [("delivered", figures.timeToDelivered), ("read", figures.timeToRead)] {
                for (index, count) in sketch.buckets.sorted(by: { $0.key < $1.key }) {
                    metrics.append(metric)
                    indexes.append(index)
                    counts.append(count)
                }
            }
            guard !metrics.isEmpty else { continue }
            var buckets = SQLBuilder(
                "INSERT INTO message_rollup_latencies (organization_id, slot_start, instance_id, campaign_id, metric,"
                    + " bucket, count) SELECT ")
            let key = [.id(organization), .integer(Int(slot.start)), .id(slot.instanceID), .uuid(campaign)].map {
                buckets.bind($0)
            }
            buckets.append(key.joined(separator: ", "))
            buckets.append(", m, b::int, n FROM unnest(")
            let arrays = [buckets.bind(.texts(metrics)), buckets.bind(.integers(indexes)), buckets.bind(.integers(counts))]
            buckets.append(arrays.joined(separator: ", "))
            buckets.append(
                ") AS u(m, b, n) ON CONFLICT (organization_id, slot_start, instance_id, campaign_id, metric, bucket)"
                    + " DO UPDATE SET count = message_rollup_latencies.count + EXCLUDED.count")
            _ = try await context.count(buckets, doing: "adding to message rollups")
        }
    }
}
