import Foundation
import PostgresNIO
import Testing
import WACore
@testable import WAPostgres

/// Row-level security, proven table by table: a tenant transaction (`wa_app` with `app.organization_id`) reads,
/// updates and deletes its own organization's rows only, cannot write another's, and without a tenant sees
/// nothing; the audit log refuses updates and deletes except inside its organization's purge.
@Suite struct RowLevelSecurityTests {
    /// One row of a table for one organization: `$1` is the organization, `$2` (when the SQL uses it) an id for the
    /// row and the rows it refers to.
    struct Fixture: Sendable {
        var table: String
        var insert: String
        /// The SET clause of an UPDATE that changes the row.
        var change: String = "version = version + 1"
        var isAppendOnly = false

        func insertQuery(organization: UUID, id: UUID) -> PostgresQuery {
            var binds = PostgresBindings()
            binds.append(organization)
            if insert.contains("$2") { binds.append(id) }
            return PostgresQuery(unsafeSQL: insert, binds: binds)
        }
    }

    static let nilUUID = "'00000000-0000-0000-0000-000000000000'"

    /// A row for every table with row-level security, parents before the rows that refer to them.
    static let fixtures: [Fixture] = [
        Fixture(
            table: "organizations",
            insert: """
                INSERT INTO organizations (organization_id, id, version, slug, media_bytes_used, data)
                VALUES ($1, $1, 1, 'org-' || $2::text, 0, '{}')
                """),
        Fixture(
            table: "members",
            insert: """
                INSERT INTO members (organization_id, id, version, email, role, is_active, assigned_instances, data)
                VALUES ($1, $2, 1, $2::text || '@example.com', 'admin', true, ARRAY[$2]::uuid[], '{}')
                """),
        Fixture(
            table: "member_credentials",
            insert: "INSERT INTO member_credentials (organization_id, id, version, data) VALUES ($1, $2, 1, '{}')"),
        Fixture(
            table: "api_keys",
            insert: """
                INSERT INTO api_keys (organization_id, id, version, lookup_id, created_by, data)
                VALUES ($1, $2, 1, 'key-' || $2::text, $2, '{}')
                """),
        Fixture(
            table: "global_names",
            insert: """
                INSERT INTO global_names (kind, value, organization_id, entity_id)
                VALUES ('lookup_id', 'key-' || $2::text, $1, $2)
                """,
            change: "value = value || '-renamed'"),
        Fixture(
            table: "instances",
            insert: """
                INSERT INTO instances (organization_id, id, version, name, status, desired_state, data)
                VALUES ($1, $2, 1, 'instance-' || $2::text, 'created', 'stopped', '{}')
                """),
        Fixture(
            table: "session_archives",
            insert: "INSERT INTO session_archives (organization_id, id, version, data) VALUES ($1, $2, 1, '{}')"),
        Fixture(
            table: "risk_monitors",
            insert: "INSERT INTO risk_monitors (organization_id, id, version, data) VALUES ($1, $2, 1, '{}')"),
        Fixture(
            table: "instance_leases",
            insert: """
                INSERT INTO instance_leases (organization_id, id, version, owner, token, expires_at, data)
                VALUES ($1, $2, 1, 'node-a', 1, now(), '{}')
                """),
        Fixture(
            table: "contacts",
            insert: """
                INSERT INTO contacts (organization_id, id, version, phone, jid, tags, opted_out, data)
                VALUES ($1, $2, 1, '+4915112345678', '4915112345678@c.us', ARRAY['vip'], false, '{}')
                """),
        Fixture(
            table: "contact_keys",
            insert: """
                INSERT INTO contact_keys (organization_id, kind, value, contact_id)
                VALUES ($1, 'jid', $2::text || '@lid', $2)
                """,
            change: "value = value || '-changed'"),
        Fixture(
            table: "contact_activities",
            insert: """
                INSERT INTO contact_activities (organization_id, contact_id, outbound_count, replied_count,
                    recent_message_ids, recent_sent_at, recent_replied)
                VALUES ($1, $2, 1, 0, ARRAY[$2]::uuid[], ARRAY[now()], ARRAY[false])
                """,
            change: "outbound_count = outbound_count + 1"),
        Fixture(
            table: "chats",
            insert: """
                INSERT INTO chats (organization_id, id, version, instance_id, jid, is_archived, unread_count, data)
                VALUES ($1, $2, 1, $2, '4915112345678@c.us', false, 0, '{}')
                """),
        Fixture(
            table: "messages",
            insert: """
                INSERT INTO messages (organization_id, id, version, instance_id, chat_jid, direction, status, created_at, data)
                VALUES ($1, $2, 1, $2, '4915112345678@c.us', 'outbound', 'queued', now(), '{}')
                """),
        Fixture(
            table: "message_rollups",
            insert: """
                INSERT INTO message_rollups (organization_id, span, slot_start, instance_id, campaign_id, sent,
                    delivered, read, failed, replied, received, delivered_latency_zero_count, read_latency_zero_count)
                VALUES ($1, 900, 900, $2, \(RowLevelSecurityTests.nilUUID), 1, 0, 0, 0, 0, 0, 0, 0)
                """,
            change: "sent = sent + 1"),
        Fixture(
            table: "message_rollup_latencies",
            insert: """
                INSERT INTO message_rollup_latencies (organization_id, span, slot_start, instance_id, campaign_id,
                    metric, bucket, count)
                VALUES ($1, 900, 900, $2, \(RowLevelSecurityTests.nilUUID), 'delivered', -7, 1)
                """,
            change: "count = count + 1"),
        Fixture(
            table: "templates",
            insert: "INSERT INTO templates (organization_id, id, version, name, data) VALUES ($1, $2, 1, 'welcome', '{}')"),
        Fixture(
            table: "campaigns",
            insert: """
                INSERT INTO campaigns (organization_id, id, version, instance_id, status, data)
                VALUES ($1, $2, 1, $2, 'draft', '{}')
                """),
        Fixture(
            table: "automations",
            insert: """
                INSERT INTO automations (organization_id, id, version, instance_id, is_enabled, data)
                VALUES ($1, $2, 1, NULL, true, '{}')
                """),
        Fixture(
            table: "webhook_endpoints",
            insert: """
                INSERT INTO webhook_endpoints (organization_id, id, version, is_enabled, consecutive_failures, data)
                VALUES ($1, $2, 1, true, 0, '{}')
                """),
        Fixture(
            table: "deliveries",
            insert: """
                INSERT INTO deliveries (organization_id, id, version, endpoint_id, event_id, status, data)
                VALUES ($1, $2, 1, $2, 'evt_' || $2::text, 'pending', '{}')
                """),
        Fixture(
            table: "audit_events",
            insert: """
                INSERT INTO audit_events (organization_id, id, version, action, actor_type, occurred_at, data)
                VALUES ($1, $2, 1, 'member.invited', 'system', now(), '{}')
                """,
            isAppendOnly: true),
        Fixture(
            table: "media_objects",
            insert: """
                INSERT INTO media_objects (organization_id, id, version, byte_count, created_at, data)
                VALUES ($1, $2, 1, 3, now(), '{}')
                """),
        Fixture(
            table: "media_writes",
            insert: """
                INSERT INTO media_writes (organization_id, write_id, media_id, started_at, completed_at, byte_count)
                VALUES ($1, $2, $2, now(), now(), 3)
                """,
            change: "byte_count = byte_count + 1"),
        Fixture(
            table: "media_chunks",
            insert: """
                INSERT INTO media_chunks (organization_id, write_id, chunk_index, byte_offset, bytes)
                VALUES ($1, $2, 0, 0, '\\x010203')
                """,
            change: "chunk_index = chunk_index + 1"),
        Fixture(
            table: "proxy_servers",
            insert: """
                INSERT INTO proxy_servers (organization_id, id, version, address, data)
                VALUES ($1, $2, 1, 'socks5://proxy.example.net:1080', '{}')
                """),
        Fixture(
            table: "risk_alerts",
            insert: """
                INSERT INTO risk_alerts (organization_id, id, version, instance_id, severity, data)
                VALUES ($1, $2, 1, $2, 'warning', '{}')
                """),
        Fixture(
            table: "jobs",
            insert: """
                INSERT INTO jobs (organization_id, id, version, queue, state, priority, scheduled_at, attempt, snoozes,
                    max_attempts, unique_key, created_at, data)
                VALUES ($1, $2, 1, 'message.send', 'available', 0, now(), 0, 0, 25, 'send-1', now(), '{}')
                """),
        Fixture(
            table: "event_log_counters",
            insert: "INSERT INTO event_log_counters (organization_id, last_sequence) VALUES ($1, 1)",
            change: "last_sequence = last_sequence + 1"),
        Fixture(
            table: "event_log",
            insert: """
                INSERT INTO event_log (organization_id, sequence, event_type, created_at, data)
                VALUES ($1, 1, 'message.sent', now(), '{}')
                """,
            change: "event_type = 'message.delivered'"),
        Fixture(
            table: "event_log_consumers",
            insert: """
                INSERT INTO event_log_consumers (organization_id, name, position, is_scheduled)
                VALUES ($1, 'webhooks', 0, false)
                """,
            change: "is_scheduled = NOT is_scheduled"),
    ]

    /// The fixtures cover exactly the tables with row-level security: every tenant table (and the allow-listed
    /// tables that have it), so a new table without a fixture fails here.
    @Test func everyRowSecuredTableHasAFixture() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let secured = try await client.withConnection { connection in
                try await connection.strings(
                    """
                    SELECT relname::text FROM pg_class
                    WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND relrowsecurity
                    """)
            }
            let tenant = try await SchemaCatalog.tenantTables(client)
            let covered = Self.fixtures.map(\.table)
            #expect(Set(covered).count == covered.count, "one fixture per table")
            #expect(Set(covered) == tenant.union(secured), "fixtures for exactly the row-secured and tenant tables")
        }
    }

    @Test func aTenantReachesItsOwnRowsOnly() async throws {
        let a = UUID()
        let b = UUID()
        let ids = [a: UUID(), b: UUID()]
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            // The system scope writes a row for each organization into every table.
            try await TestDatabase.transaction(client, as: .system) { connection in
                for fixture in Self.fixtures {
                    for organization in [a, b] {
                        try await connection.execute(fixture.insertQuery(organization: organization, id: ids[organization]!))
                    }
                }
            }
            let before = try await rowTexts(client, of: b)

            try await TestDatabase.transaction(client, as: .tenant(a)) { connection in
                for fixture in Self.fixtures {
                    let table = fixture.table
                    let seen = try await connection.strings("SELECT organization_id::text FROM \(unescaped: table)")
                    #expect(seen == [a.uuidString.lowercased()], "\(table): the tenant sees its own row only")

                    let refused = try await connection.failure(of: fixture.insertQuery(organization: b, id: UUID()))
                    #expect(refused?.sqlState == "42501", "\(table): a row for another organization is refused")
                    #expect(
                        refused?.serverInfo?[.message]?.contains("violates row-level security policy") == true,
                        "\(table): \(String(reflecting: refused?.serverInfo?[.message]))")

                    guard !fixture.isAppendOnly else { continue }
                    let updated = try await connection.strings(
                        "UPDATE \(unescaped: table) SET \(unescaped: fixture.change) RETURNING organization_id::text")
                    #expect(updated == [a.uuidString.lowercased()], "\(table): an update touches the tenant's row only")
                    // Moving a row to another organization is refused too (WITH CHECK on the new row).
                    let moved = try await connection.failure(
                        of: "UPDATE \(unescaped: table) SET organization_id = \(b)")
                    #expect(moved?.sqlState == "42501", "\(table): a row cannot be handed to another organization")
                }
                // Deletes last, children first (a contact's keys and activity go with it).
                for fixture in Self.fixtures.reversed() where !fixture.isAppendOnly {
                    let deleted = try await connection.strings(
                        "DELETE FROM \(unescaped: fixture.table) RETURNING organization_id::text")
                    #expect(
                        deleted == [a.uuidString.lowercased()], "\(fixture.table): a delete removes the tenant's row only")
                }
            }

            // Without a tenant, a wa_app transaction sees nothing at all.
            try await TestDatabase.transaction(client, as: .tenant(nil)) { connection in
                for fixture in Self.fixtures {
                    let count = try await connection.integer("SELECT count(*)::int FROM \(unescaped: fixture.table)")
                    #expect(count == 0, "\(fixture.table): no tenant, no rows")
                }
            }

            // The system scope sees what happened: B untouched, A gone (but for its audit event).
            #expect(try await rowTexts(client, of: b) == before, "the other organization's rows are unchanged")
            let left = try await rowTexts(client, of: a)
            #expect(left.filter { !$0.value.isEmpty }.keys.sorted() == ["audit_events"], "A keeps only its audit event")
        }
    }

    @Test func auditEventsAreDeletedOnlyByTheirOrganizationsPurge() async throws {
        let a = UUID()
        let b = UUID()
        let audit = try #require(Self.fixtures.first { $0.table == "audit_events" })
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            try await TestDatabase.transaction(client, as: .system) { connection in
                for organization in [a, b] {
                    try await connection.execute(audit.insertQuery(organization: organization, id: UUID()))
                }
            }
            func count(_ organization: UUID) async throws -> Int {
                try await TestDatabase.transaction(client, as: .system) { connection in
                    try await connection.integer(
                        "SELECT count(*)::int FROM audit_events WHERE organization_id = \(organization)")
                }
            }

            try await TestDatabase.transaction(client, as: .tenant(a)) { connection in
                for statement: PostgresQuery in [
                    "UPDATE audit_events SET action = 'member.removed'", "DELETE FROM audit_events",
                ] {
                    let refused = try await connection.failure(of: statement)
                    #expect(refused?.sqlState == PostgresSchema.appendOnlySQLState, "\(statement.sql) is refused")
                }
            }
            // A purge of another organization allows nothing here.
            try await TestDatabase.transaction(client, as: .tenant(a), purging: b) { connection in
                let refused = try await connection.failure(of: "DELETE FROM audit_events")
                #expect(refused?.sqlState == PostgresSchema.appendOnlySQLState)
            }
            // Purging A: even the system scope, which sees every row, cannot delete B's.
            try await TestDatabase.transaction(client, as: .system, purging: a) { connection in
                let refused = try await connection.failure(of: "DELETE FROM audit_events WHERE organization_id = \(b)")
                #expect(refused?.sqlState == PostgresSchema.appendOnlySQLState)
                let update = try await connection.failure(
                    of: "UPDATE audit_events SET action = 'member.removed' WHERE organization_id = \(a)")
                #expect(update?.sqlState == PostgresSchema.appendOnlySQLState, "a purge deletes, it never updates")
                let truncate = try await connection.failure(of: "TRUNCATE audit_events")
                #expect(truncate != nil, "truncating is refused")
            }
            #expect(try await count(a) == 1)
            #expect(try await count(b) == 1)

            // A's purge, as the adapter runs it in A's transaction: A's audit events go, B's stay.
            let deleted = try await TestDatabase.transaction(client, as: .tenant(a), purging: a) { connection in
                try await connection.strings("DELETE FROM audit_events RETURNING organization_id::text")
            }
            #expect(deleted == [a.uuidString.lowercased()])
            #expect(try await count(a) == 0)
            #expect(try await count(b) == 1)
        }
    }

    /// Each table's rows of `organization` as text, as the system scope sees them.
    private func rowTexts(_ client: PostgresClient, of organization: UUID) async throws -> [String: [String]] {
        try await TestDatabase.transaction(client, as: .system) { connection in
            var texts: [String: [String]] = [:]
            for fixture in Self.fixtures {
                texts[fixture.table] = try await connection.strings(
                    """
                    SELECT t::text FROM \(unescaped: fixture.table) AS t
                    WHERE organization_id = \(organization) ORDER BY 1
                    """)
            }
            return texts
        }
    }
}
