import Foundation
import PostgresNIO
import WACore
import WACoreTesting
import WAPostgres

/// An organization with 1,000,000 messages over the last 10.4 days, its rollups exactly those the store keeps, and
/// the dashboard (``WACore/AnalyticsService/dashboard(asOf:timeZone:topCampaignLimit:segments:by:)``) and a CSV
/// export of every message on them.
///
/// Loading: 2,000 template messages (four instances, two campaigns, a mix of inbound, sent, delivered, read,
/// replied and failed ones) are inserted through the store, which files their milestones into the rollups; then
/// SQL copies them 499 times, each copy 30 minutes (two rollup slots) later with new ids, and adds each copy's
/// rollups (the template's, slots moved by as much, summed with `ON CONFLICT … DO UPDATE` like the store's own
/// upserts). The messages' `data` moves with them (dates, id), so the export reads them as the store wrote them;
/// the new ids are UUIDv7s of the moved creation time, as the store's identifiers are (an export takes the messages
/// whose ids sort before its start).
final class DashboardWorkload: Sendable {
    static let templateCount = 2_000
    static let copies = 500
    static let copySpacing = 1_800  // seconds: two rollup slots
    static var messageCount: Int { templateCount * copies }

    let database: BenchmarkDatabase
    let analytics: AnalyticsService
    let principal: Principal
    let organization: OrganizationID
    let asOf: Date
    let since: Date

    private init(
        database: BenchmarkDatabase, analytics: AnalyticsService, principal: Principal, organization: OrganizationID,
        asOf: Date, since: Date
    ) {
        self.database = database
        self.analytics = analytics
        self.principal = principal
        self.organization = organization
        self.asOf = asOf
        self.since = since
    }

    static func make(on database: BenchmarkDatabase) async throws -> DashboardWorkload {
        let store = PostgresStore(client: database.client, logger: BenchmarkDatabase.logger)
        let env = try SendWorkload.environment(store)
        let now = Date()
        // The first copy starts 11 days ago, on a slot boundary; the last ends before now.
        let first = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 900).rounded(.down) * 900 - 11 * 86_400)
        let organization = Organization(
            id: env.ids.make(), name: "Dashboard", slug: "dash-\(UUID().uuidString.prefix(8).lowercased())",
            plan: .enterprise, createdAt: first)
        let admin = Member(
            id: env.ids.make(), organizationID: organization.id, email: "admin@example.com", displayName: "Admin",
            role: .admin, createdAt: first)
        let instances = (0..<4).map { index in
            Instance(
                id: env.ids.make(), organizationID: organization.id, name: "instance-\(index)", status: .ready,
                createdAt: first)
        }
        let template = Template(
            id: env.ids.make(), organizationID: organization.id, name: "welcome", body: "Hello {{name}}",
            createdAt: first)
        let campaigns = (0..<2).map { index in
            Campaign(
                id: env.ids.make(), organizationID: organization.id, instanceID: instances[index].id,
                name: "Campaign \(index)", templateID: template.id, audience: .tags(["vip"]), createdAt: first)
        }
        try await store.transaction(.system) { tx in
            _ = try await tx.organizations.insert(organization)
            _ = try await tx.members.insert(admin)
            for instance in instances { _ = try await tx.instances.insert(instance) }
            _ = try await tx.templates.insert(template)
            for campaign in campaigns { _ = try await tx.campaigns.insert(campaign) }
        }
        let start = ContinuousClock.now
        for batch in stride(from: 0, to: templateCount, by: 500) {
            try await store.transaction(.organization(organization.id)) { tx in
                for index in batch..<min(batch + 500, templateCount) {
                    _ = try await tx.messages.insert(
                        message(index, env: env, organization: organization.id, instances: instances, campaigns: campaigns, first: first))
                }
            }
        }
        try await copy(database, organization: organization.id)
        emit("dashboard: loaded \(messageCount) messages in \(ContinuousClock.now - start); load \(loadAverage())")
        return DashboardWorkload(
            database: database, analytics: AnalyticsService(environment: env), principal: .acting(as: admin),
            organization: organization.id, asOf: now, since: first)
    }

    /// Template message `index`: one in five inbound; the outbound ones sent, delivered, read, read and replied,
    /// or failed (before it was sent); every third outbound one in a campaign of its instance.
    private static func message(
        _ index: Int, env: ServiceEnvironment, organization: OrganizationID, instances: [Instance], campaigns: [Campaign],
        first: Date
    ) -> Message {
        let created = first.addingTimeInterval(Double(index) * 0.9)
        let instance = instances[index % instances.count]
        let chat = try! JID(parsing: "4917\(String(format: "%08d", index))@s.whatsapp.net")
        if index % 5 == 0 {
            return Message(
                id: env.ids.make(), organizationID: organization, instanceID: instance.id, chatJID: chat,
                direction: .inbound, kind: .text, body: "Hi, is this still available?", status: .delivered,
                timestamps: .init(deliveredAt: created), whatsappID: nil, createdAt: created)
        }
        let campaign = index % 3 == 0 ? campaigns.first(where: { $0.instanceID == instance.id })?.id : nil
        var message = Message(
            id: env.ids.make(), organizationID: organization, instanceID: instance.id, chatJID: chat, direction: .outbound,
            kind: .text, body: "Your order #\(index) has shipped and arrives tomorrow.", status: .queued,
            campaignID: campaign, createdAt: created)
        message.timestamps.queuedAt = created
        if index % 10 == 9 {
            message.advance(to: .failed, at: created.addingTimeInterval(2))
            return message
        }
        message.advance(to: .sent, at: created.addingTimeInterval(1))
        switch index % 10 {
        case 1: break
        case 2, 3, 4: message.advance(to: .delivered, at: created.addingTimeInterval(3 + Double(index % 7)))
        default:
            message.advance(to: .delivered, at: created.addingTimeInterval(3 + Double(index % 7)))
            message.advance(to: .read, at: created.addingTimeInterval(30 + Double(index % 50)))
            if index % 10 == 8 { message.timestamps.repliedAt = created.addingTimeInterval(90) }
        }
        return message
    }

    /// Copies the template messages and their rollups (see the type's description), as the owner.
    private static func copy(_ database: BenchmarkDatabase, organization: OrganizationID) async throws {
        let client = database.client
        let logger = BenchmarkDatabase.logger
        let org = organization.uuid
        // Dates in `data` are seconds since 2001 as JSON numbers (JSONEncoder's default, which the store uses).
        // One connection for the session's pg_temp function.
        try await client.withConnection { connection in
            try await connection.query(
                """
                CREATE OR REPLACE FUNCTION pg_temp.moved(d jsonb, seconds double precision, new_id uuid) RETURNS jsonb
                LANGUAGE sql IMMUTABLE AS $$
                    SELECT (
                        SELECT jsonb_object_agg(key, CASE
                            WHEN key IN ('createdAt', 'updatedAt') AND jsonb_typeof(value) = 'number'
                                THEN to_jsonb(value::text::double precision + seconds)
                            WHEN key = 'timestamps' THEN (
                                SELECT coalesce(jsonb_object_agg(t.key, to_jsonb(t.value::text::double precision + seconds)), '{}'::jsonb)
                                FROM jsonb_each(value) t)
                            WHEN key = 'id' THEN to_jsonb(CASE WHEN value #>> '{}' = lower(value #>> '{}')
                                THEN new_id::text ELSE upper(new_id::text) END)
                            ELSE value END)
                        FROM jsonb_each(d))
                $$
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO messages (organization_id, id, version, instance_id, chat_jid, contact_id, campaign_id, direction,
                    status, body, idempotency_key, whatsapp_id, created_at, sent_at, replied_at, data)
                SELECT m.organization_id, c.id, m.version, m.instance_id, m.chat_jid, m.contact_id, m.campaign_id,
                    m.direction, m.status, m.body, NULL, NULL, m.created_at + c.shift, m.sent_at + c.shift,
                    m.replied_at + c.shift, pg_temp.moved(m.data, extract(epoch FROM c.shift), c.id)
                FROM messages m CROSS JOIN LATERAL (
                    SELECT (lpad(to_hex((extract(epoch FROM m.created_at) * 1000)::bigint + k * \(copySpacing) * 1000), 12, '0')
                            || '7' || substr(r, 1, 3) || '8' || substr(r, 5, 15))::uuid AS id,
                        make_interval(secs => k * \(copySpacing)) AS shift
                    FROM generate_series(1, \(copies - 1)) k,
                        LATERAL (SELECT replace(gen_random_uuid()::text, '-', '') AS r WHERE k IS NOT NULL AND m.id IS NOT NULL) random) c
                WHERE m.organization_id = \(org)
                """, logger: logger)
            // The copies' quarter-hour slots, then every hour and UTC day rebuilt from the slots, as migration
            // 0005_rollup_spans builds them (a copy moves by half an hour, so hours and days cannot be moved).
            let counts = """
                sent, delivered, read, failed, replied, received, delivered_latency_zero_count, delivered_latency_min,
                delivered_latency_max, read_latency_zero_count, read_latency_min, read_latency_max
                """
            let sums = """
                sum(sent), sum(delivered), sum(read), sum(failed), sum(replied), sum(received),
                sum(delivered_latency_zero_count), min(delivered_latency_min), max(delivered_latency_max),
                sum(read_latency_zero_count), min(read_latency_min), max(read_latency_max)
                """
            try await connection.query(
                "DELETE FROM message_rollups WHERE organization_id = \(org) AND span <> 900", logger: logger)
            try await connection.query(
                """
                INSERT INTO message_rollups (organization_id, span, slot_start, instance_id, campaign_id, \(unescaped: counts))
                SELECT organization_id, 900, slot_start + k * \(copySpacing), instance_id, campaign_id, \(unescaped: sums)
                FROM message_rollups CROSS JOIN generate_series(1, \(copies - 1)) k WHERE organization_id = \(org)
                GROUP BY 1, 2, 3, 4, 5
                ON CONFLICT (organization_id, span, slot_start, instance_id, campaign_id) DO UPDATE SET
                    sent = message_rollups.sent + EXCLUDED.sent, delivered = message_rollups.delivered + EXCLUDED.delivered,
                    read = message_rollups.read + EXCLUDED.read, failed = message_rollups.failed + EXCLUDED.failed,
                    replied = message_rollups.replied + EXCLUDED.replied, received = message_rollups.received + EXCLUDED.received,
                    delivered_latency_zero_count = message_rollups.delivered_latency_zero_count + EXCLUDED.delivered_latency_zero_count,
                    delivered_latency_min = least(message_rollups.delivered_latency_min, EXCLUDED.delivered_latency_min),
                    delivered_latency_max = greatest(message_rollups.delivered_latency_max, EXCLUDED.delivered_latency_max),
                    read_latency_zero_count = message_rollups.read_latency_zero_count + EXCLUDED.read_latency_zero_count,
                    read_latency_min = least(message_rollups.read_latency_min, EXCLUDED.read_latency_min),
                    read_latency_max = greatest(message_rollups.read_latency_max, EXCLUDED.read_latency_max)
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO message_rollup_latencies (organization_id, span, slot_start, instance_id, campaign_id, metric,
                    bucket, count)
                SELECT organization_id, 900, slot_start + k * \(copySpacing), instance_id, campaign_id, metric, bucket,
                    sum(count)
                FROM message_rollup_latencies CROSS JOIN generate_series(1, \(copies - 1)) k WHERE organization_id = \(org)
                GROUP BY 1, 2, 3, 4, 5, 6, 7
                ON CONFLICT (organization_id, span, slot_start, instance_id, campaign_id, metric, bucket)
                DO UPDATE SET count = message_rollup_latencies.count + EXCLUDED.count
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO message_rollups (organization_id, span, slot_start, instance_id, campaign_id, \(unescaped: counts))
                SELECT organization_id, s.span, slot_start - slot_start % s.span, instance_id, campaign_id, \(unescaped: sums)
                FROM message_rollups CROSS JOIN (VALUES (3600), (86400)) AS s(span)
                WHERE organization_id = \(org) AND message_rollups.span = 900
                GROUP BY 1, 2, 3, 4, 5
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO message_rollup_latencies (organization_id, span, slot_start, instance_id, campaign_id, metric,
                    bucket, count)
                SELECT organization_id, s.span, slot_start - slot_start % s.span, instance_id, campaign_id, metric, bucket,
                    sum(count)
                FROM message_rollup_latencies CROSS JOIN (VALUES (3600), (86400)) AS s(span)
                WHERE organization_id = \(org) AND message_rollup_latencies.span = 900
                GROUP BY 1, 2, 3, 4, 5, 6, 7
                """, logger: logger)
        }
        try await client.query("VACUUM ANALYZE messages", logger: logger)
        try await client.query("VACUUM ANALYZE message_rollups", logger: logger)
        try await client.query("VACUUM ANALYZE message_rollup_latencies", logger: logger)
    }

    /// The dashboard as the gateway's API computes it (days of UTC, the API's default, unless `timeZone` is given).
    func dashboard(in timeZone: TimeZone = .gmt) async throws -> OrganizationDashboard {
        try await analytics.dashboard(asOf: asOf, timeZone: timeZone, by: principal)
    }

    /// What the dashboard's counts would be from the messages table itself: the naive aggregate, as the owner.
    /// Returns (sent, received).
    func naiveAggregate() async throws -> (sent: Int, delivered: Int, read: Int, failed: Int, replied: Int, received: Int) {
        let rows = try await database.client.query(
            """
            SELECT count(*) FILTER (WHERE direction = 'outbound' AND sent_at IS NOT NULL),
                count(*) FILTER (WHERE direction = 'outbound' AND status IN ('delivered', 'read', 'played')),
                count(*) FILTER (WHERE direction = 'outbound' AND status IN ('read', 'played')),
                count(*) FILTER (WHERE direction = 'outbound' AND status = 'failed'),
                count(*) FILTER (WHERE direction = 'outbound' AND replied_at IS NOT NULL),
                count(*) FILTER (WHERE direction = 'inbound')
            FROM messages WHERE organization_id = \(organization.uuid) AND created_at >= \(since)
            """, logger: BenchmarkDatabase.logger)
        for try await row in rows.decode((Int, Int, Int, Int, Int, Int).self) {
            return (row.0, row.1, row.2, row.3, row.4, row.5)
        }
        throw BenchmarkFailure("the aggregate returned no row")
    }

    /// Exports every message as CSV into nothing, sampling this process's resident memory at every chunk.
    func export() async throws -> (bytes: Int, seconds: Double, startRSS: Int, peakRSS: Int, endRSS: Int) {
        let startRSS = residentBytes()
        var peak = startRSS
        var bytes = 0
        let start = ContinuousClock.now
        for try await chunk in try await analytics.exportMessages(format: .csv, by: principal) {
            bytes += chunk.count
            peak = max(peak, residentBytes())
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return (bytes, seconds, startRSS, peak, residentBytes())
    }
}
