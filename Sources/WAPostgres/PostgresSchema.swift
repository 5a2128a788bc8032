/// Facts about the schema that the bundled migrations build (`Migrations/0002_schema.sql`, Docs/Postgres.md
/// "Schema"), in one place for the code and the tests that rely on them.
enum PostgresSchema {
    /// The tables of schema `public` that are not tenant tables, each with the reason.
    ///
    /// Every other table is a tenant table: `organization_id` leads its primary key and every index, every foreign
    /// key includes it, and row-level security is enabled and forced with a policy for `wa_app` and one for
    /// `wa_system`. `SchemaCatalogTests` fails for a table that is neither compliant nor listed here.
    static let nonTenantTables: [String: String] = [
        "wa_schema_migrations": "the migrator's history of applied migrations",
        "global_names":
            "values unique across organizations (organization slugs, API key lookup ids); row-level security "
            + "applies, but its key is the value, not the organization",
        "rate_limit_states": "rate-limit state, keyed by RateLimitKey scopes and ids that are not always organizations",
    ]

    /// The session setting that names a tenant transaction's organization (`set_config(…, true)`).
    static let organizationSetting = "app.organization_id"

    /// The session setting that names the organization a transaction purges, the one case in which audit events
    /// may be deleted.
    static let purgingOrganizationSetting = "app.purging_organization"

    /// The SQLSTATE the audit log's trigger raises for an update or delete it refuses.
    static let appendOnlySQLState = "WA001"
}
