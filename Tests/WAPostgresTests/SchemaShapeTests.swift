import Foundation
import PostgresNIO
import Testing
import WACore
@testable import WAPostgres

/// The statements the repositories will use, shown to work on the schema: rollups that add in one upsert, the
/// job queue's unique key over unfinished jobs, the contact key namespace, and the engagement segment query.
@Suite struct SchemaShapeTests {
    static let noCampaign = UUID(uuidString: "00000000-0000-0000-0000-000000000000")!

    // MARK: - Rollups

    /// Adds `figures` to a slot as the message repository will: one upsert for the slot's row, one for its
    /// sketch buckets.
    private func file(
        _ figures: RollupFigures, organization: UUID, slotStart: Int64, instance: UUID, campaign: UUID,
        on connection: PostgresConnection
    ) async throws {
        var binds = PostgresBindings()
        binds.append(organization)
        binds.append(slotStart)
        binds.append(instance)
        binds.append(campaign)
        let c = figures.counts
        for count in [c.sent, c.delivered, c.read, c.failed, c.replied, c.received] { binds.append(Int64(count)) }
        for sketch in [figures.timeToDelivered, figures.timeToRead] {
            binds.append(Int64(sketch.zeroCount))
            binds.append(sketch.min)
            binds.append(sketch.max)
        }
        try await connection.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO message_rollups AS r (organization_id, span, slot_start, instance_id, campaign_id,
                        sent, delivered, read, failed, replied, received,
                        delivered_latency_zero_count, delivered_latency_min, delivered_latency_max,
                        read_latency_zero_count, read_latency_min, read_latency_max)
                    VALUES ($1, 900, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                    ON CONFLICT (organization_id, span, slot_start, instance_id, campaign_id) DO UPDATE SET
                        sent = r.sent + EXCLUDED.sent, delivered = r.delivered + EXCLUDED.delivered,
                        read = r.read + EXCLUDED.read, failed = r.failed + EXCLUDED.failed,
                        replied = r.replied + EXCLUDED.replied, received = r.received + EXCLUDED.received,
                        delivered_latency_zero_count = r.delivered_latency_zero_count + EXCLUDED.delivered_latency_zero_count,
                        delivered_latency_min = LEAST(r.delivered_latency_min, EXCLUDED.delivered_latency_min),
                        delivered_latency_max = GREATEST(r.delivered_latency_max, EXCLUDED.delivered_latency_max),
                        read_latency_zero_count = r.read_latency_zero_count + EXCLUDED.read_latency_zero_count,
                        read_latency_min = LEAST(r.read_latency_min, EXCLUDED.read_latency_min),
                        read_latency_max = GREATEST(r.read_latency_max, EXCLUDED.read_latency_max)
                    """, binds: binds))

        var metrics: [String] = []
        var buckets: [Int32] = []
        var counts: [Int64] = []
        for (metric, sketch) in [("delivered", figures.timeToDelivered), ("read", figures.timeToRead)] {
            for (bucket, count) in sketch.buckets {
                metrics.append(metric)
                buckets.append(Int32(bucket))
                counts.append(Int64(count))
            }
        }
        try await connection.execute(
            """
            INSERT INTO message_rollup_latencies AS l (organization_id, span, slot_start, instance_id, campaign_id,
                metric, bucket, count)
            SELECT \(organization), 900, \(slotStart), \(instance), \(campaign), u.metric, u.bucket, u.count
            FROM unnest(\(metrics)::text[], \(buckets)::integer[], \(counts)::bigint[]) AS u(metric, bucket, count)
            ON CONFLICT (organization_id, span, slot_start, instance_id, campaign_id, metric, bucket)
            DO UPDATE SET count = l.count + EXCLUDED.count
            """)
    }

    /// The figures stored for a slot, rebuilt as the adapter will read them.
    private func figures(
        organization: UUID, slotStart: Int64, instance: UUID, campaign: UUID, on connection: PostgresConnection
    ) async throws -> RollupFigures? {
        let rows = try await connection.query(
            """
            SELECT sent, delivered, read, failed, replied, received,
                   delivered_latency_zero_count, delivered_latency_min, delivered_latency_max,
                   read_latency_zero_count, read_latency_min, read_latency_max
            FROM message_rollups
            WHERE organization_id = \(organization) AND span = 900 AND slot_start = \(slotStart)
              AND instance_id = \(instance) AND campaign_id = \(campaign)
            """, logger: TestDatabase.logger)
        var found: RollupFigures?
        for try await row in rows.decode(
            (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Double?, Double?, Int64, Double?, Double?).self)
        {
            var buckets: [String: [Int: Int]] = [:]
            let bucketRows = try await connection.query(
                """
                SELECT metric, bucket, count FROM message_rollup_latencies
                WHERE organization_id = \(organization) AND span = 900 AND slot_start = \(slotStart)
                  AND instance_id = \(instance) AND campaign_id = \(campaign)
                """, logger: TestDatabase.logger)
            for try await (metric, bucket, count) in bucketRows.decode((String, Int32, Int64).self) {
                buckets[metric, default: [:]][Int(bucket)] = Int(count)
            }
            func sketch(_ metric: String, _ zeroCount: Int64, _ min: Double?, _ max: Double?) -> LogHistogramSketch {
                LogHistogramSketch(
                    relativeAccuracy: RollupFigures.latencyAccuracy, minimumValue: RollupFigures.minimumLatency,
                    zeroCount: Int(zeroCount), buckets: buckets[metric] ?? [:], min: min, max: max)
            }
            var figures = RollupFigures()
            figures.counts = MessageCounts(
                sent: Int(row.0), delivered: Int(row.1), read: Int(row.2), failed: Int(row.3), replied: Int(row.4),
                received: Int(row.5))
            figures.timeToDelivered = sketch("delivered", row.6, row.7, row.8)
            figures.timeToRead = sketch("read", row.9, row.10, row.11)
            found = figures
        }
        return found
    }

    @Test func rollupIncrementsToOneSlotAdd() async throws {
        let organization = UUID()
        let instance = UUID()
        let campaign = UUID()
        let slot: Int64 = 1_750_000_500 - 1_750_000_500 % 900

        var first = RollupFigures()
        first.counts = MessageCounts(sent: 3, delivered: 2, read: 0, failed: 1, replied: 1, received: 4)
        for latency in [0.0004, 1.5, 2.0] { first.timeToDelivered.add(latency) }
        var second = RollupFigures()
        second.counts = MessageCounts(sent: 2, delivered: 3, read: 2, failed: 0, replied: 0, received: 1)
        for latency in [1.5, 0.2, 3_600] { second.timeToDelivered.add(latency) }
        for latency in [30, 0.0001, 95] { second.timeToRead.add(latency) }
        var elsewhere = RollupFigures()
        elsewhere.counts = MessageCounts(sent: 7)

        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            try await TestDatabase.transaction(client, as: .tenant(organization)) { connection in
                try await file(
                    first, organization: organization, slotStart: slot, instance: instance, campaign: Self.noCampaign,
                    on: connection)
                try await file(
                    elsewhere, organization: organization, slotStart: slot, instance: instance, campaign: campaign,
                    on: connection)
            }
            // Another transaction adds to the same slot.
            try await TestDatabase.transaction(client, as: .tenant(organization)) { connection in
                try await file(
                    second, organization: organization, slotStart: slot, instance: instance, campaign: Self.noCampaign,
                    on: connection)
            }
            try await TestDatabase.transaction(client, as: .tenant(organization)) { connection in
                var expected = first
                expected.merge(second)
                let stored = try await figures(
                    organization: organization, slotStart: slot, instance: instance, campaign: Self.noCampaign,
                    on: connection)
                #expect(stored == expected, "counts, zero counts, bounds and buckets add up to the merged figures")
                #expect(stored?.timeToRead.min == 0.0001 && stored?.timeToDelivered.max == 3_600)
                let separate = try await figures(
                    organization: organization, slotStart: slot, instance: instance, campaign: campaign, on: connection)
                #expect(separate == elsewhere, "a campaign's slot is a slot of its own")
                let slots = try await connection.integer("SELECT count(*)::int FROM message_rollups")
                #expect(slots == 2)
            }
        }
    }

    @Test func aSlotStartsOnAQuarterHour() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let organization = UUID()
            try await TestDatabase.transaction(client, as: .tenant(organization)) { connection in
                var figures = RollupFigures()
                figures.counts.sent = 1
                await #expect(throws: PSQLError.self) {
                    try await file(
                        figures, organization: organization, slotStart: 901, instance: UUID(),
                        campaign: Self.noCampaign, on: connection)
                }
            }
        }
    }

    // MARK: - Jobs

    @Test func aJobsUniqueKeyIsHeldByUnfinishedJobsOnly() async throws {
        let a = UUID()
        let b = UUID()
        func enqueue(_ organization: UUID, queue: String = "campaign.wave", key: String = "wave/1") -> PostgresQuery {
            """
            INSERT INTO jobs (organization_id, id, version, queue, state, priority, scheduled_at, attempt, snoozes,
                max_attempts, unique_key, created_at, data)
            VALUES (\(organization), \(UUID()), 1, \(queue), 'available', 0, now(), 0, 0, 25, \(key), now(), '{}')
            ON CONFLICT (organization_id, queue, unique_key)
                WHERE unique_key IS NOT NULL AND state IN ('available', 'running') DO NOTHING
            RETURNING id::text
            """
        }
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            try await TestDatabase.transaction(client, as: .tenant(a)) { connection in
                let first = try await connection.strings(enqueue(a))
                #expect(first.count == 1, "the first job takes the key")
                #expect(try await connection.strings(enqueue(a)) == [], "an available job holds its key")
                let claimed = try #require(first.first.flatMap(UUID.init(uuidString:)))
                try await connection.execute("UPDATE jobs SET state = 'running', attempt = 1 WHERE id = \(claimed)")
                #expect(try await connection.strings(enqueue(a)) == [], "so does a running one")
                #expect(try await connection.strings(enqueue(a, queue: "message.send")).count == 1, "keys are per queue")

                // The adapter's plain insert (without ON CONFLICT) names the constraint, the error's field.
                let conflict = try await connection.failure(
                    of: """
                        INSERT INTO jobs (organization_id, id, version, queue, state, priority, scheduled_at, attempt,
                            snoozes, max_attempts, unique_key, created_at, data)
                        VALUES (\(a), \(UUID()), 1, 'campaign.wave', 'available', 0, now(), 0, 0, 25, 'wave/1', now(), '{}')
                        """)
                #expect(conflict?.sqlState == "23505")
                #expect(conflict?.serverInfo?[.constraintName] == "jobs__unique_key")

                for finalState in ["completed", "failed", "cancelled"] {
                    try await connection.execute(
                        """
                        UPDATE jobs SET state = \(finalState), finished_at = now()
                        WHERE queue = 'campaign.wave' AND unique_key = 'wave/1' AND state IN ('available', 'running')
                        """)
                    #expect(
                        try await connection.strings(enqueue(a)).count == 1,
                        "a \(finalState) job no longer holds the key: a new job takes it")
                }
                let holders = try await connection.integer(
                    "SELECT count(*)::int FROM jobs WHERE queue = 'campaign.wave' AND unique_key = 'wave/1'")
                #expect(holders == 4)
            }
            try await TestDatabase.transaction(client, as: .tenant(b)) { connection in
                let taken = try await connection.strings(enqueue(b))
                #expect(taken.count == 1, "keys are per organization")
            }
        }
    }

    // MARK: - Contact keys

    @Test func aContactsJIDAndLIDShareOneNamespace() async throws {
        let organization = UUID()
        let first = UUID()
        let second = UUID()
        func contact(_ id: UUID) -> PostgresQuery {
            """
            INSERT INTO contacts (organization_id, id, version, tags, opted_out, data)
            VALUES (\(organization), \(id), 1, '{}', false, '{}')
            """
        }
        /// Inserts the keys of a contact with ON CONFLICT DO NOTHING; returns how many were free.
        func keys(_ id: UUID, _ pairs: [(kind: String, value: String)]) -> PostgresQuery {
            """
            INSERT INTO contact_keys (organization_id, kind, value, contact_id)
            SELECT \(organization), k.kind, k.value, \(id)
            FROM unnest(\(pairs.map(\.kind))::text[], \(pairs.map(\.value))::text[]) AS k(kind, value)
            ON CONFLICT DO NOTHING
            RETURNING kind
            """
        }
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            try await TestDatabase.transaction(client, as: .tenant(organization)) { connection in
                try await connection.execute(contact(first))
                let taken = try await connection.strings(
                    keys(first, [("phone", "+4915112345678"), ("jid", "4915112345678@c.us"), ("jid", "1234567@lid")]))
                #expect(taken.count == 3)

                try await connection.execute(contact(second))
                // Its JID is the first contact's LID: refused although it sits in the other slot.
                let clash = try await connection.strings(keys(second, [("jid", "1234567@lid"), ("phone", "+4930123456")]))
                #expect(clash == ["phone"], "only the free key is written: the adapter sees a conflict on jid")
                // A contact whose JID equals its LID collides with itself.
                let itself = try await connection.strings(keys(second, [("jid", "999@lid"), ("jid", "999@lid")]))
                #expect(itself.count == 1)

                // Deleting a contact frees its keys.
                try await connection.execute("DELETE FROM contacts WHERE id = \(first)")
                #expect(try await connection.integer("SELECT count(*)::int FROM contact_keys WHERE contact_id = \(first)") == 0)
                let free = try await connection.strings(keys(second, [("jid", "1234567@lid")]))
                #expect(free == ["jid"])
            }
        }
    }

    // MARK: - Engagement segments

    /// How many contacts have each primary segment (EngagementPolicy.primarySegment), in one query over contacts
    /// and their stored activity: the query ContactActivityRepository.segmentCounts runs.
    static let segmentCounts = """
        SELECT s.segment, count(*)::int FROM (
            SELECT CASE
                WHEN c.opted_out THEN 'opted_out'
                WHEN (SELECT count(*)
                      FROM unnest(a.recent_replied[greatest(1, cardinality(a.recent_replied) - $2::integer + 1):])
                          AS r(replied)
                      WHERE r.replied) >= $3::integer THEN 'engaged'
                WHEN l.last_inbound_at >= $4::timestamptz - make_interval(secs => $5::double precision) THEN 'active'
                WHEN l.last_inbound_at <= $4::timestamptz - make_interval(secs => $6::double precision) THEN 'dormant'
                WHEN coalesce(a.outbound_count, 0) >= 1 AND coalesce(a.replied_count, 0) = 0 THEN 'never_replied'
                WHEN coalesce(a.outbound_count, 0) = 0 AND l.last_inbound_at IS NULL THEN 'new'
                ELSE 'occasional'
            END AS segment
            FROM contacts c
            LEFT JOIN contact_activities a ON a.organization_id = c.organization_id AND a.contact_id = c.id
            -- greatest() ignores NULL: the later of the contact's and the activity's last inbound message.
            CROSS JOIN LATERAL (SELECT greatest(c.last_inbound_at, a.last_inbound_at) AS last_inbound_at) l
            WHERE c.organization_id = $1
        ) s
        GROUP BY s.segment
        """

    @Test func segmentCountsAreOneQueryThatAgreesWithEngagementPolicy() async throws {
        let organization = UUID()
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        var random = SeededRandomSource(seed: 20_250_615).generator
        func daysAgo(_ days: Int) -> Date { now.addingTimeInterval(-Double(days) * 86_400) }

        var contacts: [(contact: Contact, activity: ContactActivity?)] = []
        for _ in 0..<400 {
            let id = ContactID(uuid: UUID())
            let contact = Contact(
                id: id, organizationID: OrganizationID(uuid: organization),
                optedOut: Int.random(in: 0..<12, using: &random) == 0,
                lastInboundAt: Bool.random(using: &random) ? nil : daysAgo(Int.random(in: 0...45, using: &random)),
                createdAt: now)
            var activity: ContactActivity?
            if Int.random(in: 0..<4, using: &random) != 0 {
                let outbound = Int.random(in: 0...40, using: &random)
                let kept = min(outbound, ContactActivity.storedRecentLimit)
                let recent = (0..<kept).map { index in
                    ContactActivity.RecentOutbound(
                        messageID: MessageID(uuid: UUID()), sentAt: now.addingTimeInterval(-Double(kept - index) * 3_600),
                        replied: Int.random(in: 0..<3, using: &random) == 0)
                }
                let repliedRecently = recent.filter(\.replied).count
                let earlierReplies = Bool.random(using: &random) ? 0 : Int.random(in: 0...3, using: &random)
                let replied = outbound == 0 ? 0 : repliedRecently + earlierReplies
                activity = ContactActivity(
                    contactID: id,
                    lastInboundAt: Bool.random(using: &random) ? nil : daysAgo(Int.random(in: 0...45, using: &random)),
                    outboundCount: outbound, repliedCount: replied, recentOutbound: recent,
                    recentLimit: ContactActivity.storedRecentLimit)
            }
            contacts.append((contact, activity))
        }
        let policies = [
            EngagementPolicy(),
            EngagementPolicy(
                activeWindow: .seconds(3 * 86_400), dormantAfter: .seconds(10 * 86_400), engagedMinimumReplies: 1,
                engagedLookback: 32),
            EngagementPolicy(engagedMinimumReplies: 3, engagedLookback: 3),
        ]

        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            try await TestDatabase.transaction(client, as: .tenant(organization)) { connection in
                for (contact, activity) in contacts {
                    try await connection.execute(
                        """
                        INSERT INTO contacts (organization_id, id, version, tags, opted_out, last_inbound_at, data)
                        VALUES (\(organization), \(contact.id.uuid), 1, '{}', \(contact.optedOut),
                            \(contact.lastInboundAt), '{}')
                        """)
                    guard let activity else { continue }
                    try await connection.execute(
                        """
                        INSERT INTO contact_activities (organization_id, contact_id, outbound_count, replied_count,
                            last_inbound_at, recent_message_ids, recent_sent_at, recent_replied)
                        VALUES (\(organization), \(contact.id.uuid), \(activity.outboundCount), \(activity.repliedCount),
                            \(activity.lastInboundAt), \(activity.recentOutbound.map(\.messageID.uuid))::uuid[],
                            \(activity.recentOutbound.map(\.sentAt))::timestamptz[],
                            \(activity.recentOutbound.map(\.replied))::boolean[])
                        """)
                }
                for policy in policies {
                    let expected = policy.summary(
                        of: contacts.map { ContactActivity(contact: $0.contact, stored: $0.activity) }, asOf: now)
                    var binds = PostgresBindings()
                    binds.append(organization)
                    binds.append(policy.engagedLookback)
                    binds.append(policy.engagedMinimumReplies)
                    binds.append(now)
                    binds.append(Self.seconds(policy.activeWindow))
                    binds.append(Self.seconds(policy.dormantAfter))
                    var counted = Dictionary(uniqueKeysWithValues: EngagementSegment.allCases.map { ($0, 0) })
                    let rows = try await connection.query(
                        PostgresQuery(unsafeSQL: Self.segmentCounts, binds: binds), logger: TestDatabase.logger)
                    for try await (name, count) in rows.decode((String, Int).self) {
                        let segment = try #require(EngagementSegment(rawValue: name), "a segment the query named")
                        counted[segment] = count
                    }
                    #expect(counted == expected, "\(policy)")
                    #expect(expected.values.filter { $0 > 0 }.count >= 5, "the data reaches most segments")
                }
            }
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
