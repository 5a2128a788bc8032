import Foundation
import PostgresNIO
import Testing
import WACore
@testable import WAPostgres

/// The schema's rules, read from `pg_catalog` after the bundled migrations: every table of `public` is either a
/// compliant tenant table or on the allow-list (`PostgresSchema.nonTenantTables`).
@Suite struct SchemaCatalogTests {
    @Test func everyTableIsATenantTableOrAllowListed() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let tables = try await SchemaCatalog.tables(client)
            #expect(Set(PostgresSchema.nonTenantTables.keys).isSubset(of: tables), "every allow-listed table exists")
            #expect(tables.count > PostgresSchema.nonTenantTables.count + 20, "the schema has its tenant tables")
            let violations = try await SchemaCatalog.violations(client)
            #expect(violations == [], "\(violations.joined(separator: "\n"))")
        }
    }

    /// The check bites: tables that break each rule are reported, each for what it breaks.
    @Test func aNonCompliantTableIsReported() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            try await client.withConnection { connection in
                for statement: PostgresQuery in [
                    """
                    CREATE TABLE rogue_key (id uuid NOT NULL, organization_id uuid NOT NULL,
                        PRIMARY KEY (id, organization_id))
                    """,
                    "ALTER TABLE rogue_key ENABLE ROW LEVEL SECURITY",
                    """
                    CREATE TABLE rogue_index (organization_id uuid NOT NULL, id uuid NOT NULL, name text, parent uuid,
                        PRIMARY KEY (organization_id, id))
                    """,
                    "CREATE UNIQUE INDEX rogue_index_name ON rogue_index (name)",
                    "CREATE INDEX rogue_index_lower ON rogue_index (lower(name))",
                    "CREATE UNIQUE INDEX rogue_key_id ON rogue_key (id)",
                    "ALTER TABLE rogue_index ADD FOREIGN KEY (parent) REFERENCES rogue_key (id)",
                    "ALTER TABLE rogue_index ENABLE ROW LEVEL SECURITY",
                    "ALTER TABLE rogue_index FORCE ROW LEVEL SECURITY",
                    "CREATE POLICY anyone ON rogue_index TO wa_app USING (true)",
                    "CREATE TABLE rogue_plain (value text)",
                ] {
                    try await connection.execute(statement)
                }
            }
            let violations = try await SchemaCatalog.violations(client)
            let expected: [String] = [
                "rogue_index: foreign key rogue_index_parent_fkey does not include organization_id",
                "rogue_index: index rogue_index_lower does not start with organization_id",
                "rogue_index: index rogue_index_name does not start with organization_id",
                "rogue_index: no policy system_scope for wa_system",
                "rogue_index: policy tenant_isolation for wa_app is missing or does not limit to app.organization_id",
                "rogue_index: unexpected policy anyone",
                "rogue_index: wa_app lacks DELETE, INSERT, SELECT, UPDATE",
                "rogue_index: wa_system lacks DELETE, INSERT, SELECT, UPDATE",
                "rogue_key: index rogue_key_id does not start with organization_id",
                "rogue_key: no policy system_scope for wa_system",
                "rogue_key: policy tenant_isolation for wa_app is missing or does not limit to app.organization_id",
                "rogue_key: primary key does not start with organization_id",
                "rogue_key: row-level security is not forced",
                "rogue_key: wa_app lacks DELETE, INSERT, SELECT, UPDATE",
                "rogue_key: wa_system lacks DELETE, INSERT, SELECT, UPDATE",
                "rogue_plain: no column organization_id",
                "rogue_plain: no policy system_scope for wa_system",
                "rogue_plain: no primary key",
                "rogue_plain: policy tenant_isolation for wa_app is missing or does not limit to app.organization_id",
                "rogue_plain: row-level security is not enabled",
                "rogue_plain: row-level security is not forced",
                "rogue_plain: wa_app lacks DELETE, INSERT, SELECT, UPDATE",
                "rogue_plain: wa_system lacks DELETE, INSERT, SELECT, UPDATE",
            ]
            #expect(violations == expected.sorted(), "\(violations.joined(separator: "\n"))")
        }
    }

    @Test func theAllowListedTablesHaveWhatTheyNeed() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            try await client.withConnection { connection in
                // global_names is row-secured like a tenant table; its key is the value.
                let security = try await connection.strings(
                    """
                    SELECT relrowsecurity::text || ' ' || relforcerowsecurity::text FROM pg_class
                    WHERE oid = 'public.global_names'::regclass
                    """)
                #expect(security == ["true true"])
                let policies = try await connection.strings(
                    """
                    SELECT policyname || ' ' || array_to_string(roles, ',') FROM pg_policies
                    WHERE tablename = 'global_names' ORDER BY 1
                    """)
                #expect(policies == ["system_scope wa_system", "tenant_isolation wa_app"])
                // The roles work with global names and rate-limit state, and cannot touch the migration history.
                for role in ["wa_app", "wa_system"] {
                    for table in ["global_names", "rate_limit_states"] {
                        for privilege in ["SELECT", "INSERT", "UPDATE", "DELETE"] {
                            let held = try await connection.strings(
                                "SELECT has_table_privilege(\(role), \(table), \(privilege))::text")
                            #expect(held == ["true"], "\(role) \(privilege) on \(table)")
                        }
                    }
                    let history = try await connection.strings(
                        """
                        SELECT (has_table_privilege(\(role), 'wa_schema_migrations', 'SELECT')
                             OR has_table_privilege(\(role), 'wa_schema_migrations', 'INSERT'))::text
                        """)
                    #expect(history == ["false"], "\(role) has no rights on the migration history")
                }
                // Rate-limit state is shared by all tenants: no row-level security.
                let rateLimits = try await connection.strings(
                    "SELECT relrowsecurity::text FROM pg_class WHERE oid = 'public.rate_limit_states'::regclass")
                #expect(rateLimits == ["false"])
            }
        }
    }

    @Test func theAuditLogHasItsAppendOnlyTrigger() async throws {
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            let triggers = try await client.withConnection { connection in
                // tgtype bits: 1 row, 2 before, 8 delete, 16 update, 32 truncate; tgenabled O: enabled.
                try await connection.strings(
                    """
                    SELECT tgname::text || ' ' || tgtype::int::text || ' ' || tgenabled::text
                    FROM pg_trigger WHERE tgrelid = 'public.audit_events'::regclass AND NOT tgisinternal ORDER BY 1
                    """)
            }
            #expect(triggers == ["audit_events_append_only 27 O", "audit_events_no_truncate 34 O"])
        }
    }

    /// Each enum column's CHECK lists exactly the raw values of its Swift enum.
    @Test func enumChecksListTheSwiftRawValues() async throws {
        let enums: [(table: String, column: String, values: [String])] = [
            ("members", "role", Role.allCases.map(\.rawValue)),
            ("instances", "status", InstanceStatus.allCases.map(\.rawValue)),
            ("instances", "desired_state", InstanceDesiredState.allCases.map(\.rawValue)),
            ("messages", "direction", Message.Direction.allCases.map(\.rawValue)),
            ("messages", "status", MessageStatus.allCases.map(\.rawValue)),
            ("campaigns", "status", Campaign.Status.allCases.map(\.rawValue)),
            ("deliveries", "status", Delivery.Status.allCases.map(\.rawValue)),
            ("risk_alerts", "severity", RiskAlert.Severity.allCases.map(\.rawValue)),
            ("jobs", "state", Job.State.allCases.map(\.rawValue)),
        ]
        try await TestDatabase.withFreshDatabase { client, _ in
            try await TestDatabase.migrate(client)
            try await client.withConnection { connection in
                for (table, column, values) in enums {
                    let definitions = try await connection.strings(
                        """
                        SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k
                        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                        WHERE k.conrelid = ('public.' || \(table))::regclass AND k.contype = 'c'
                          AND cardinality(k.conkey) = 1 AND a.attname = \(column)
                        """)
                    #expect(definitions.count == 1, "one check on \(table).\(column): \(definitions)")
                    // The quoted literals: every other piece between single quotes.
                    let literals = definitions.first.map { definition in
                        definition.split(separator: "'", omittingEmptySubsequences: false).enumerated()
                            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
                    }
                    #expect(literals.map(Set.init) == Set(values), "\(table).\(column): \(definitions)")
                    #expect(literals?.count == values.count, "\(table).\(column) lists each value once")
                }
            }
        }
    }
}

/// Reads the schema's rules back from `pg_catalog`.
enum SchemaCatalog {
    /// Every ordinary or partitioned table of schema `public`.
    static func tables(_ client: PostgresClient) async throws -> Set<String> {
        try await client.withConnection { connection in
            Set(
                try await connection.strings(
                    """
                    SELECT relname::text FROM pg_class
                    WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')
                    """))
        }
    }

    /// The tables of `public` that are not allow-listed: the tenant tables.
    static func tenantTables(_ client: PostgresClient) async throws -> Set<String> {
        try await tables(client).subtracting(PostgresSchema.nonTenantTables.keys)
    }

    /// What breaks the rules of a tenant table, one line per finding (`<table>: <what>`), sorted; empty when every
    /// table that is not allow-listed complies.
    static func violations(_ client: PostgresClient) async throws -> [String] {
        let tenant = try await tenantTables(client)
        var found: [String] = []
        try await client.withConnection { connection in
            // The column itself.
            let withColumn = Set(
                try await connection.strings(
                    """
                    SELECT c.relname::text FROM pg_class c
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped
                    WHERE c.relnamespace = 'public'::regnamespace
                    """))
            for table in tenant.subtracting(withColumn) { found.append("\(table): no column organization_id") }

            // The primary key starts with organization_id.
            let primaryKeys = try await rows(
                connection,
                """
                SELECT c.relname::text, coalesce(a.attname::text, '') FROM pg_constraint k
                JOIN pg_class c ON c.oid = k.conrelid
                LEFT JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                WHERE k.contype = 'p' AND c.relnamespace = 'public'::regnamespace
                """)
            let keyed = Dictionary(primaryKeys.map { ($0[0], $0[1]) }, uniquingKeysWith: { a, _ in a })
            for table in tenant {
                switch keyed[table] {
                case nil: found.append("\(table): no primary key")
                case "organization_id": break
                default: found.append("\(table): primary key does not start with organization_id")
                }
            }

            // Every other index (unique or not, constraint or not) starts with organization_id; an expression as
            // the first key does not count.
            let indexes = try await rows(
                connection,
                """
                SELECT c.relname::text, ci.relname::text, coalesce(a.attname::text, '') FROM pg_index i
                JOIN pg_class c ON c.oid = i.indrelid
                JOIN pg_class ci ON ci.oid = i.indexrelid
                LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] AND i.indkey[0] <> 0
                WHERE c.relnamespace = 'public'::regnamespace AND NOT i.indisprimary
                """)
            for index in indexes where tenant.contains(index[0]) && index[2] != "organization_id" {
                found.append("\(index[0]): index \(index[1]) does not start with organization_id")
            }

            // Every foreign key pairs organization_id with organization_id.
            let foreignKeys = try await rows(
                connection,
                """
                SELECT c.relname::text, k.conname::text, EXISTS (
                    SELECT FROM unnest(k.conkey, k.confkey) AS p(local, remote)
                    JOIN pg_attribute l ON l.attrelid = k.conrelid AND l.attnum = p.local
                    JOIN pg_attribute r ON r.attrelid = k.confrelid AND r.attnum = p.remote
                    WHERE l.attname = 'organization_id' AND r.attname = 'organization_id')::text
                FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                WHERE k.contype = 'f' AND c.relnamespace = 'public'::regnamespace
                """)
            for key in foreignKeys where tenant.contains(key[0]) && key[2] != "true" {
                found.append("\(key[0]): foreign key \(key[1]) does not include organization_id")
            }

            // Row-level security, enabled and forced.
            let security = try await rows(
                connection,
                """
                SELECT relname::text, relrowsecurity::text, relforcerowsecurity::text FROM pg_class
                WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')
                """)
            for row in security where tenant.contains(row[0]) {
                if row[1] != "true" { found.append("\(row[0]): row-level security is not enabled") }
                if row[2] != "true" { found.append("\(row[0]): row-level security is not forced") }
            }

            // The two policies: wa_app limited to its organization for reading and writing, wa_system everything.
            let policies = try await rows(
                connection,
                """
                SELECT tablename::text, policyname::text, array_to_string(roles, ','), cmd, permissive,
                       coalesce(qual, ''), coalesce(with_check, '')
                FROM pg_policies WHERE schemaname = 'public'
                """)
            // The policy expression as PostgreSQL prints it back.
            let tenantCondition =
                "(organization_id = (NULLIF(current_setting('app.organization_id'::text, true), ''::text))::uuid)"
            for table in tenant {
                let own = policies.filter { $0[0] == table }
                let app = own.first { $0[1] == "tenant_isolation" }
                if app == nil || app?[2] != "wa_app" || app?[3] != "ALL" || app?[4] != "PERMISSIVE"
                    || app?[5] != tenantCondition || app?[6] != tenantCondition
                {
                    found.append(
                        "\(table): policy tenant_isolation for wa_app is missing or does not limit to app.organization_id")
                }
                let system = own.first { $0[1] == "system_scope" }
                if system == nil || system?[2] != "wa_system" || system?[3] != "ALL" || system?[5] != "true"
                    || system?[6] != "true"
                {
                    found.append("\(table): no policy system_scope for wa_system")
                }
                // No other policy may widen what wa_app sees (permissive policies are OR-ed).
                for other in own where other[1] != "tenant_isolation" && other[1] != "system_scope" {
                    found.append("\(table): unexpected policy \(other[1])")
                }
            }

            // Both roles may read and write every tenant table.
            let grants = try await rows(
                connection,
                """
                SELECT c.relname::text, r.rolname::text, p.privilege
                FROM pg_class c
                CROSS JOIN (VALUES ('wa_app'), ('wa_system')) AS r(rolname)
                CROSS JOIN (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE')) AS p(privilege)
                WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                  AND NOT has_table_privilege(r.rolname, c.oid, p.privilege)
                ORDER BY 1, 2, 3
                """)
            let missing = Dictionary(grouping: grants.filter { tenant.contains($0[0]) }) { "\($0[0]): \($0[1])" }
            for (tableAndRole, rows) in missing {
                found.append("\(tableAndRole) lacks \(rows.map { $0[2] }.sorted().joined(separator: ", "))")
            }
        }
        return found.sorted()
    }

    /// Every row of `sql`, each column as text.
    private static func rows(_ connection: PostgresConnection, _ sql: String) async throws -> [[String]] {
        var result: [[String]] = []
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger) {
            var columns: [String] = []
            for cell in row {
                columns.append(try cell.decode(String.self))
            }
            result.append(columns)
        }
        return result
    }
}
