import WACore

/// Organizations: the generic repository, lookup by slug, every organization in pages, and purging.
struct PostgresOrganizationRepository: OrganizationRepository, PostgresForwardingRepository {
    let base: PostgresEntityRepository<OrganizationMapping>

    func find(slug: String) async throws(WAError) -> Organization? {
        let organization: OrganizationID? = if case .organization(let id) = base.context.scope { id } else { nil }
        return try await base.find(global: UniqueKey("slug", slug, global: true), in: organization)
    }

    func all(after: OrganizationID?, limit: Int) async throws(WAError) -> [Organization] {
        guard base.context.scope == .system else {
            throw WAError(.tenantMismatch, "listing every organization needs a system-scope transaction")
        }
        guard limit > 0 else { return [] }
        var sql = SQLBuilder("SELECT data::text FROM organizations")
        if let after {
            sql.append(" WHERE organization_id > ")
            sql.append(bound: .id(after))
        }
        sql.append(" ORDER BY organization_id LIMIT \(limit)")
        let texts = try await base.context.values(sql, as: String.self, doing: "listing organizations")
        return try base.context.decode(texts, as: Organization.self)
    }

    /// Deletes every row of the organization from every tenant table the catalog lists (so a table added later is
    /// purged too), and its global names, with `app.purging_organization` set so that the audit log's trigger lets
    /// its rows go. Storage-internal rows (contact keys, chunks, latency buckets) go by their cascades.
    func purge(_ organization: OrganizationID) async throws(WAError) {
        let context = base.context
        guard try await base.find(organization, in: organization) != nil else { throw .notFound("organization") }
        var setting = SQLBuilder("SELECT set_config(")
        setting.append(bound: .text(PostgresSchema.purgingOrganizationSetting))
        setting.append(", ")
        setting.append(bound: .text(organization.description))
        setting.append(", true)")
        _ = try await context.count(setting, doing: "purging an organization")
        var tables = SQLBuilder(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped"
                + " WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> ALL(")
        tables.append(bound: .texts(PostgresSchema.nonTenantTables.keys.sorted()))
        tables.append(") ORDER BY c.relname")
        let names = try await context.values(tables, as: String.self, doing: "listing the tenant tables")
        for table in names + ["global_names"] {
            var delete = SQLBuilder("DELETE FROM \"\(table)\" WHERE organization_id = ")
            delete.append(bound: .id(organization))
            _ = try await context.count(delete, doing: "purging an organization's \(table)")
        }
    }
}
