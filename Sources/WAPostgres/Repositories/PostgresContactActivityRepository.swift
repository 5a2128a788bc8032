import Foundation
import PostgresNIO
import WACore

/// Contacts' activities in `contact_activities`, and the segment queries over them and `contacts`: one aggregate
/// statement each, with the segments of ``WACore/EngagementPolicy/segments(of:asOf:)`` written in SQL.
struct PostgresContactActivityRepository: ContactActivityRepository {
    let context: PostgresTransactionContext

    func find(contact: ContactID, in organization: OrganizationID) async throws(WAError) -> ContactActivity? {
        try context.requireUsable(for: organization, "contact activity")
        return try await read(contact, in: organization, lock: false)
    }

    /// Folds `events` (of one contact's message) into the contact's activity: the row is created (or locked) by an
    /// upsert, read, changed in Swift with ``WACore/ContactActivity/record(_:)`` and written back. A contact that no
    /// longer exists gets no activity.
    func record(_ events: [MessageEvent], of contact: ContactID, in organization: OrganizationID) async throws(WAError) {
        let relevant = events.filter { [.sent, .replied, .received].contains($0.milestone) }
        guard !relevant.isEmpty else { return }
        // Creates or locks the row; nothing when the contact no longer exists (its messages may outlive it).
        var lock = SQLBuilder(
            "INSERT INTO contact_activities (organization_id, contact_id, outbound_count, replied_count,"
                + " recent_message_ids, recent_sent_at, recent_replied) SELECT organization_id, id, 0, 0, '{}', '{}',"
                + " '{}' FROM contacts WHERE organization_id = ")
        lock.append(bound: .id(organization))
        lock.append(" AND id = ")
        lock.append(bound: .id(contact))
        lock.append(" ON CONFLICT (organization_id, contact_id) DO UPDATE SET contact_id = EXCLUDED.contact_id RETURNING 1")
        guard try await context.count(lock, doing: "locking a contact's activity") == 1 else { return }
        var activity = try await read(contact, in: organization, lock: false)
            ?? ContactActivity(contactID: contact, recentLimit: ContactActivity.storedRecentLimit)
        for event in relevant { activity.record(event) }
        var write = SQLBuilder("UPDATE contact_activities SET outbound_count = ")
        write.append(bound: .integer(activity.outboundCount))
        write.append(", replied_count = ")
        write.append(bound: .integer(activity.repliedCount))
        write.append(", last_inbound_at = ")
        write.append(bound: .date(activity.lastInboundAt))
        write.append(", recent_message_ids = ")
        write.append(bound: .ids(activity.recentOutbound.map(\.messageID)))
        write.append(", recent_sent_at = ")
        write.append(bound: .dates(activity.recentOutbound.map(\.sentAt)))
        write.append(", recent_replied = ")
        write.append(bound: .booleans(activity.recentOutbound.map(\.replied)))
        write.append(" WHERE organization_id = ")
        write.append(bound: .id(organization))
        write.append(" AND contact_id = ")
        write.append(bound: .id(contact))
        _ = try await context.count(write, doing: "writing a contact's activity")
    }

    func segmentCounts(in organization: OrganizationID, policy: EngagementPolicy, asOf now: Date)
        async throws(WAError) -> [EngagementSegment: Int]
    {
        try context.requireUsable(for: organization, "contact activities")
        var sql = SQLBuilder("SELECT CASE")
        for segment in Self.precedence {
            sql.append(" WHEN ")
            Self.condition(segment, policy, now, into: &sql)
            sql.append(" THEN '\(segment.rawValue)'")
        }
        sql.append(" ELSE 'occasional' END, count(*)::bigint")
        Self.from(organization, into: &sql)
        sql.append(" GROUP BY 1")
        var counts = Dictionary(uniqueKeysWithValues: EngagementSegment.allCases.map { ($0, 0) })
        do {
            for row in try await context.connection.queryWatchingClose(sql.query, logger: context.logger).rows {
                let (name, count) = try row.decode((String, Int).self)
                if let segment = EngagementSegment(rawValue: name) { counts[segment] = count }
            }
        } catch {
            throw PostgresTransactionRunner.mapped(error, doing: "counting segments", context.logger)
        }
        return counts
    }

    func contacts(
        in segment: EngagementSegment, policy: EngagementPolicy, asOf now: Date, of organization: OrganizationID,
        page: PageRequest
    ) async throws(WAError) -> Page<Contact> {
        try context.requireUsable(for: organization, "contact activities")
        var sql = SQLBuilder("SELECT c.data::text")
        Self.from(organization, into: &sql)
        sql.append(" AND ")
        if segment == .occasional {
            // In no other segment; each test is coalesced, since a comparison with a missing time is NULL.
            sql.append("NOT (")
            for (index, other) in Self.precedence.enumerated() {
                sql.append(index > 0 ? " OR coalesce(" : "coalesce(")
                Self.condition(other, policy, now, into: &sql)
                sql.append(", false)")
            }
            sql.append(")")
        } else {
            Self.condition(segment, policy, now, into: &sql)
        }
        let ascending = page.order == .oldestFirst
        if let cursor = page.cursor {
            let position: ContactID = cursor.position()
            sql.append(ascending ? " AND c.id > " : " AND c.id < ")
            sql.append(bound: .id(position))
        }
        sql.append(" ORDER BY c.id \(ascending ? "ASC" : "DESC") LIMIT \(page.limit + 1)")
        let texts = try await context.values(sql, as: String.self, doing: "listing a segment's contacts")
        return try context.page(texts, of: page, as: Contact.self)
    }

    // MARK: Internals

    /// The segments by precedence (``WACore/EngagementPolicy/primarySegment(of:asOf:)``), `occasional` aside.
    private static let precedence: [EngagementSegment] = [.optedOut, .engaged, .active, .dormant, .neverReplied, .new]

    /// `FROM contacts c`, their activities and the later last-inbound time `l.last_inbound_at`, of `organization`.
    private static func from(_ organization: OrganizationID, into sql: inout SQLBuilder) {
        sql.append(
            " FROM contacts c LEFT JOIN contact_activities a ON a.organization_id = c.organization_id"
                + " AND a.contact_id = c.id"
                + " CROSS JOIN LATERAL (SELECT greatest(c.last_inbound_at, a.last_inbound_at) AS last_inbound_at) l"
                + " WHERE c.organization_id = ")
        sql.append(bound: .id(organization))
    }

    /// The SQL condition for membership of `segment` (``WACore/EngagementPolicy/segments(of:asOf:)``).
    private static func condition(
        _ segment: EngagementSegment, _ policy: EngagementPolicy, _ now: Date, into sql: inout SQLBuilder
    ) {
        switch segment {
        case .optedOut:
            sql.append("c.opted_out")
        case .engaged:
            sql.append(
                "(SELECT count(*) FROM unnest((coalesce(a.recent_replied, '{}'))[greatest(1,"
                    + " cardinality(coalesce(a.recent_replied, '{}')) - ")
            sql.append(bound: .integer(policy.engagedLookback))
            sql.append("::int + 1):]) AS r(replied) WHERE r.replied) >= ")
            sql.append(bound: .integer(policy.engagedMinimumReplies))
        case .active:
            sql.append("l.last_inbound_at >= ")
            sql.append(bound: .date(now.addingTimeInterval(-Self.seconds(policy.activeWindow))))
        case .dormant:
            sql.append("l.last_inbound_at <= ")
            sql.append(bound: .date(now.addingTimeInterval(-Self.seconds(policy.dormantAfter))))
        case .neverReplied:
            sql.append("coalesce(a.outbound_count, 0) >= 1 AND coalesce(a.replied_count, 0) = 0")
        case .new:
            sql.append("coalesce(a.outbound_count, 0) = 0 AND l.last_inbound_at IS NULL")
        case .occasional:
            sql.append("false")
        }
    }

    /// A duration in seconds, as `EngagementPolicy` compares it.
    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func read(_ contact: ContactID, in organization: OrganizationID, lock: Bool) async throws(WAError)
        -> ContactActivity?
    {
        var sql = SQLBuilder(
            "SELECT outbound_count, replied_count, last_inbound_at, recent_message_ids, recent_sent_at, recent_replied"
                + " FROM contact_activities WHERE organization_id = ")
        sql.append(bound: .id(organization))
        sql.append(" AND contact_id = ")
        sql.append(bound: .id(contact))
        if lock { sql.append(" FOR UPDATE") }
        do {
            for row in try await context.connection.queryWatchingClose(sql.query, logger: context.logger).rows {
                let row = try row.decode((Int, Int, Date?, [UUID], [Date], [Bool]).self)
                let recent = zip(row.3, zip(row.4, row.5)).map { id, rest in
                    ContactActivity.RecentOutbound(messageID: MessageID(uuid: id), sentAt: rest.0, replied: rest.1)
                }
                return ContactActivity(
                    contactID: contact, lastInboundAt: row.2, outboundCount: row.0, repliedCount: row.1,
                    recentOutbound: recent, recentLimit: ContactActivity.storedRecentLimit)
            }
        } catch {
            throw PostgresTransactionRunner.mapped(error, doing: "reading a contact's activity", context.logger)
        }
        return nil
    }
}
