import PostgresNIO
import WACore

/// The one generic ``WACore/Repository`` behind every entity table: what the memory store's generic repository
/// does, in SQL, for the table `Mapping` describes.
///
/// - **Insert** is one `INSERT … ON CONFLICT DO NOTHING RETURNING`: a collision leaves the transaction usable, and
///   the repository then looks up which key collided (the primary key, a constraint of the table, or a global
///   name) to report `already_exists` with that key's name. Global names (organization slugs, API key lookup ids)
///   are claimed in `global_names` first, in the same transaction.
/// - **Update** is one conditional `UPDATE … WHERE version = $read AND NOT EXISTS (another row with the new unique
///   values)`; when it changes nothing, the repository tells `not_found`, `version_conflict` and `already_exists`
///   apart with one more query.
/// - **Lists** page on the primary key (`id` after the cursor, both orders) with the mapping's filter conditions;
///   **counts** use the same conditions.
///
/// Every statement names the organization, although row-level security would hide other organizations' rows anyway.
struct PostgresEntityRepository<Mapping: PostgresEntityMapping>: Repository {
    typealias Entity = Mapping.Entity

    let context: PostgresTransactionContext

    private var table: String { Mapping.table }
    private var name: String { Entity.entityName }

    func insert(_ entity: Entity) async throws(WAError) -> Entity {
        try context.requireUsable(for: entity.organizationID, name)
        var stored = entity
        stored.version = 1
        var sql = SQLBuilder("INSERT INTO \(table) (organization_id, id, version, data")
        let columns = Mapping.columns(of: stored)
        for column in columns { sql.append(", \(column.name)") }
        sql.append(") VALUES (")
        let placeholders =
            [sql.bind(.id(stored.organizationID)), sql.bind(.id(stored.id)), "1", sql.bind(.json(try context.json(stored)))]
            + columns.map { sql.bind($0.value) }
        sql.append(placeholders.joined(separator: ", "))
        sql.append(") ON CONFLICT DO NOTHING RETURNING 1")
        // Refused (text PostgreSQL cannot hold) before a global name is claimed, so a refused insert writes nothing.
        try sql.requireStorable()
        let globalKeys = stored.uniqueKeys.filter(\.isGlobal)
        for (index, key) in globalKeys.enumerated() {
            guard try await claim(key, for: stored) else {
                try await release(globalKeys.prefix(index), of: stored.organizationID)
                throw WAError(.alreadyExists, "a \(name) with this \(key.name) exists", field: key.name)
            }
        }
        if try await context.count(sql, doing: "inserting a \(name)") == 1 { return stored }
        try await release(globalKeys, of: stored.organizationID)
        throw try await collision(of: stored, includingID: true)
    }

    func find(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError) -> Entity? {
        try await find(id, in: organization, lock: false)
    }

    func findForUpdate(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError) -> Entity? {
        try await find(id, in: organization, lock: true)
    }

    func update(_ entity: Entity) async throws(WAError) -> Entity {
        try context.requireUsable(for: entity.organizationID, name)
        if Entity.isAppendOnly { throw WAError(.immutableRecord, "\(name) records cannot be changed") }
        var stored = entity
        stored.version = entity.version + 1
        let columns = Mapping.columns(of: stored)
        var sql = SQLBuilder("UPDATE \(table) SET version = version + 1, data = ")
        sql.append(bound: .json(try context.json(stored)))
        for column in columns {
            let placeholder = sql.bind(column.value)
            sql.append(", \(column.name) = \(placeholder)")
        }
        sql.append(" WHERE organization_id = ")
        sql.append(bound: .id(stored.organizationID))
        sql.append(" AND id = ")
        sql.append(bound: .id(stored.id))
        sql.append(" AND version = ")
        sql.append(bound: .integer(entity.version))
        appendNoOtherHolder(of: stored, columns, into: &sql, alias: table)
        sql.append(" RETURNING 1")
        // Refused (text PostgreSQL cannot hold) before a global name is claimed, so a refused update writes nothing.
        try sql.requireStorable()
        let globalKeys = stored.uniqueKeys.filter(\.isGlobal)
        let previousGlobal = globalKeys.isEmpty ? [] : try await globalNames(of: stored)
        let changedGlobal = globalKeys.filter { key in !previousGlobal.contains { $0.isIdentical(to: key) } }
        for (index, key) in changedGlobal.enumerated() {
            guard try await claim(key, for: stored) else {
                try await release(changedGlobal.prefix(index), of: stored.organizationID)
                throw WAError(.alreadyExists, "a \(name) with this \(key.name) exists", field: key.name)
            }
        }
        if try await context.count(sql, doing: "updating a \(name)") == 1 {
            let released = previousGlobal.filter { old in !globalKeys.contains { $0.isIdentical(to: old) } }
            try await release(released, of: stored.organizationID)
            return stored
        }
        try await release(changedGlobal, of: stored.organizationID)
        var check = SQLBuilder("SELECT version FROM \(table) WHERE organization_id = ")
        check.append(bound: .id(stored.organizationID))
        check.append(" AND id = ")
        check.append(bound: .id(stored.id))
        let versions = try await context.values(check, as: Int.self, doing: "reading a \(name)'s version")
        guard let current = versions.first else { throw .notFound(name) }
        guard current == entity.version else {
            throw WAError(.versionConflict, "the \(name) was changed by someone else; read it again", field: "version")
        }
        throw try await collision(of: stored, includingID: false)
    }

    func delete(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError) {
        try context.requireUsable(for: organization, name)
        if Entity.isAppendOnly { throw WAError(.immutableRecord, "\(name) records cannot be deleted") }
        var sql = SQLBuilder("DELETE FROM \(table) WHERE organization_id = ")
        sql.append(bound: .id(organization))
        sql.append(" AND id = ")
        sql.append(bound: .id(id))
        sql.append(" RETURNING 1")
        guard try await context.count(sql, doing: "deleting a \(name)") == 1 else { throw .notFound(name) }
        var names = SQLBuilder("DELETE FROM global_names WHERE organization_id = ")
        names.append(bound: .id(organization))
        names.append(" AND entity_id = ")
        names.append(bound: .id(id))
        _ = try await context.count(names, doing: "deleting a \(name)'s global names")
    }

    func list(in organization: OrganizationID, where filter: Entity.Filter, page: PageRequest)
        async throws(WAError) -> Page<Entity>
    {
        try context.requireUsable(for: organization, name)
        var sql = SQLBuilder("SELECT data::text FROM \(table) WHERE organization_id = ")
        sql.append(bound: .id(organization))
        let ascending = page.order == .oldestFirst
        if let cursor = page.cursor {
            let position: Identifier<Entity> = cursor.position()
            sql.append(ascending ? " AND id > " : " AND id < ")
            sql.append(bound: .id(position))
        }
        Mapping.conditions(filter, into: &sql)
        sql.append(" ORDER BY id \(ascending ? "ASC" : "DESC") LIMIT \(page.limit + 1)")
        let texts = try await context.values(sql, as: String.self, doing: "listing \(name) records")
        return try context.page(texts, of: page, as: Entity.self)
    }

    func count(in organization: OrganizationID, where filter: Entity.Filter) async throws(WAError) -> Int {
        try context.requireUsable(for: organization, name)
        var sql = SQLBuilder("SELECT count(*)::bigint FROM \(table) WHERE organization_id = ")
        sql.append(bound: .id(organization))
        Mapping.conditions(filter, into: &sql)
        return try await context.values(sql, as: Int.self, doing: "counting \(name) records").first ?? 0
    }

    // MARK: Internals

    private func find(_ id: Identifier<Entity>, in organization: OrganizationID, lock: Bool) async throws(WAError)
        -> Entity?
    {
        try context.requireUsable(for: organization, name)
        var sql = SQLBuilder("SELECT data::text FROM \(table) WHERE organization_id = ")
        sql.append(bound: .id(organization))
        sql.append(" AND id = ")
        sql.append(bound: .id(id))
        if lock { sql.append(" FOR UPDATE") }
        let texts = try await context.values(sql, as: String.self, doing: "reading a \(name)")
        return try texts.first.map { text throws(WAError) in try context.decode(text, as: Entity.self) }
    }

    /// The record of `organization` whose `columns` hold these values (a lookup by a unique key).
    func find(matching columns: [(name: String, value: SQLValue)], in organization: OrganizationID) async throws(WAError)
        -> Entity?
    {
        try context.requireUsable(for: organization, name)
        var sql = SQLBuilder("SELECT data::text FROM \(table) WHERE organization_id = ")
        sql.append(bound: .id(organization))
        for column in columns { sql.whereEqual(column.name, column.value) }
        sql.append(" LIMIT 1")
        let texts = try await context.values(sql, as: String.self, doing: "looking a \(name) up")
        return try texts.first.map { text throws(WAError) in try context.decode(text, as: Entity.self) }
    }

    /// The record holding the global name `key` (a slug, an API key's lookup id), in `organization` or, with
    /// system scope and `nil`, in any; `nil` when the transaction may not see it.
    func find(global key: UniqueKey, in organization: OrganizationID?) async throws(WAError) -> Entity? {
        try context.requireUsable(for: organization, name)
        var sql = SQLBuilder("SELECT t.data::text FROM global_names g JOIN \(table) t")
        sql.append(" ON t.organization_id = g.organization_id AND t.id = g.entity_id WHERE g.kind = ")
        sql.append(bound: .text(key.name))
        sql.append(" AND g.value = ")
        sql.append(bound: .text(key.value))
        if let organization {
            sql.append(" AND g.organization_id = ")
            sql.append(bound: .id(organization))
        }
        let texts = try await context.values(sql, as: String.self, doing: "looking a \(name) up")
        guard let text = texts.first else { return nil }
        let entity = try context.decode(text, as: Entity.self)
        return context.scope.permits(entity.organizationID) ? entity : nil
    }

    /// Appends, for each unique key of `entity`, that no other row of the organization holds its values.
    private func appendNoOtherHolder(
        of entity: Entity, _ columns: [(name: String, value: SQLValue)], into sql: inout SQLBuilder, alias: String
    ) {
        for key in entity.uniqueKeys where !key.isGlobal {
            let keyColumns = Mapping.uniqueColumns(of: key.name)
            guard !keyColumns.isEmpty else { continue }
            sql.append(" AND NOT EXISTS (SELECT 1 FROM \(table) other WHERE other.organization_id = \(alias).organization_id")
            sql.append(" AND other.id <> \(alias).id")
            for column in keyColumns {
                guard let value = columns.first(where: { $0.name == column })?.value else { continue }
                let placeholder = sql.bind(value)
                sql.append(" AND other.\(column) = \(placeholder)")
            }
            // Unqualified, its columns are the subquery's own (`other`).
            if let predicate = Mapping.uniquePredicate(of: key.name) { sql.append(" AND \(predicate)") }
            sql.append(")")
        }
    }

    /// The `already_exists` error for an insert or update of `entity` that wrote nothing: its id (for an insert),
    /// or the first of its unique keys another row holds.
    private func collision(of entity: Entity, includingID: Bool) async throws(WAError) -> WAError {
        if includingID {
            var sql = SQLBuilder("SELECT 1 FROM \(table) WHERE organization_id = ")
            sql.append(bound: .id(entity.organizationID))
            sql.append(" AND id = ")
            sql.append(bound: .id(entity.id))
            if try await context.count(sql, doing: "checking a \(name)'s id") > 0 {
                return WAError(.alreadyExists, "a \(name) with this id exists", field: "id")
            }
        }
        let columns = Mapping.columns(of: entity)
        for key in entity.uniqueKeys where !key.isGlobal {
            let keyColumns = Mapping.uniqueColumns(of: key.name)
            guard !keyColumns.isEmpty else { continue }
            var sql = SQLBuilder("SELECT 1 FROM \(table) WHERE organization_id = ")
            sql.append(bound: .id(entity.organizationID))
            sql.append(" AND id <> ")
            sql.append(bound: .id(entity.id))
            for column in keyColumns {
                guard let value = columns.first(where: { $0.name == column })?.value else { continue }
                sql.whereEqual(column, value)
            }
            if let predicate = Mapping.uniquePredicate(of: key.name) { sql.append(" AND \(predicate)") }
            if try await context.count(sql, doing: "checking a \(name)'s \(key.name)") > 0 {
                return WAError(.alreadyExists, "a \(name) with this \(key.name) exists", field: key.name)
            }
        }
        // A concurrent transaction took the key and rolled back since: the caller may simply try again.
        return WAError(.storageConflict, "a concurrent transaction held a key of the \(name); run it again")
    }

    /// Claims a global name for `entity`; `false` when another record holds it.
    private func claim(_ key: UniqueKey, for entity: Entity) async throws(WAError) -> Bool {
        var sql = SQLBuilder("INSERT INTO global_names (kind, value, organization_id, entity_id) VALUES (")
        let placeholders = [
            sql.bind(.text(key.name)), sql.bind(.text(key.value)), sql.bind(.id(entity.organizationID)),
            sql.bind(.id(entity.id)),
        ]
        sql.append(placeholders.joined(separator: ", "))
        sql.append(") ON CONFLICT DO NOTHING RETURNING 1")
        return try await context.count(sql, doing: "claiming a \(name)'s \(key.name)") == 1
    }

    /// The global names `entity`'s stored record holds now.
    private func globalNames(of entity: Entity) async throws(WAError) -> [UniqueKey] {
        var sql = SQLBuilder("SELECT kind || '/' || value FROM global_names WHERE organization_id = ")
        sql.append(bound: .id(entity.organizationID))
        sql.append(" AND entity_id = ")
        sql.append(bound: .id(entity.id))
        let pairs = try await context.values(sql, as: String.self, doing: "reading a \(name)'s global names")
        return pairs.compactMap { pair in
            guard let slash = pair.firstIndex(of: "/") else { return nil }
            return UniqueKey(String(pair[..<slash]), String(pair[pair.index(after: slash)...]), global: true)
        }
    }

    /// Gives global names back.
    private func release(_ keys: some Collection<UniqueKey>, of organization: OrganizationID) async throws(WAError) {
        for key in keys {
            var sql = SQLBuilder("DELETE FROM global_names WHERE kind = ")
            sql.append(bound: .text(key.name))
            sql.append(" AND value = ")
            sql.append(bound: .text(key.value))
            sql.append(" AND organization_id = ")
            sql.append(bound: .id(organization))
            _ = try await context.count(sql, doing: "releasing a \(name)'s \(key.name)")
        }
    }
}

extension UniqueKey {
    /// Whether `other` is the same key byte for byte, as PostgreSQL compares the values; Swift's `==` also takes
    /// canonically equivalent text as equal (`é` and `e` + U+0301), which the database holds as two values.
    func isIdentical(to other: UniqueKey) -> Bool {
        name.utf8.elementsEqual(other.name.utf8) && value.utf8.elementsEqual(other.value.utf8)
    }
}
