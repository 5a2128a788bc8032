import WACore

/// Contacts: the generic repository for the row, and `contact_keys` for the unique keys (the phone number, and the
/// JID and LID in one namespace), which the lookups by phone and JID read.
///
/// An insert writes the row, then its keys with `ON CONFLICT DO NOTHING`: fewer keys written than the contact has
/// means another contact holds one (or the contact's JID equals its LID), and the row is deleted again. An update
/// locks the row and checks its version, claims its new keys, writes the row, then gives up the keys it no longer
/// has. Deleting the row
/// deletes its keys and its activity (cascades).
struct PostgresContactRepository: ContactRepository, PostgresForwardingRepository {
    let base: PostgresEntityRepository<ContactMapping>

    func insert(_ entity: Contact) async throws(WAError) -> Contact {
        let stored = try await base.insert(entity)
        let missing = try await claim(stored.uniqueKeys, of: stored)
        guard let collided = missing.first else { return stored }
        try await base.delete(stored.id, in: stored.organizationID)
        throw WAError(.alreadyExists, "a contact with this \(collided.name) exists", field: collided.name)
    }

    func update(_ entity: Contact) async throws(WAError) -> Contact {
        try context.requireUsable(for: entity.organizationID, "contact")
        // The row first, locked: a missing or changed contact fails before any key is touched.
        guard let stored = try await base.findForUpdate(entity.id, in: entity.organizationID) else {
            throw .notFound("contact")
        }
        guard stored.version == entity.version else {
            throw WAError(.versionConflict, "the contact was changed by someone else; read it again", field: "version")
        }
        let current = try await keys(of: entity.id, in: entity.organizationID)
        let wanted = entity.uniqueKeys
        let added = wanted.filter { key in !current.contains { $0.isIdentical(to: key) } }
        let missing = try await claim(added, of: entity)
        if let collided = missing.first {
            try await release(added.filter { key in !missing.contains { $0.isIdentical(to: key) } }, of: entity)
            throw WAError(.alreadyExists, "a contact with this \(collided.name) exists", field: collided.name)
        }
        let updated: Contact
        do {
            updated = try await base.update(entity)
        } catch {
            try await release(added, of: entity)
            throw error
        }
        let dropped = current.filter { key in !wanted.contains { $0.isIdentical(to: key) } }
        try await release(dropped, of: entity)
        return updated
    }

    func find(phone: PhoneNumber, in organization: OrganizationID) async throws(WAError) -> Contact? {
        try await find(byKind: "phone", [phone.e164], in: organization).first
    }

    func find(jid: JID, in organization: OrganizationID) async throws(WAError) -> Contact? {
        try await find(byKind: "jid", [jid.description], in: organization).first
    }

    func find(phones: Set<PhoneNumber>, in organization: OrganizationID) async throws(WAError) -> [Contact] {
        guard !phones.isEmpty else { return [] }
        return try await find(byKind: "phone", phones.map(\.e164), in: organization)
    }

    // MARK: Internals

    /// The contacts holding `values` of key `kind`, in one query.
    private func find(byKind kind: String, _ values: [String], in organization: OrganizationID) async throws(WAError)
        -> [Contact]
    {
        try context.requireUsable(for: organization, "contact")
        var sql = SQLBuilder(
            "SELECT c.data::text FROM contact_keys k JOIN contacts c ON c.organization_id = k.organization_id"
                + " AND c.id = k.contact_id WHERE k.organization_id = ")
        sql.append(bound: .id(organization))
        sql.append(" AND k.kind = ")
        sql.append(bound: .text(kind))
        sql.append(" AND k.value = ANY(")
        sql.append(bound: .texts(values))
        sql.append(")")
        let texts = try await context.values(sql, as: String.self, doing: "looking contacts up")
        return try context.decode(texts, as: Contact.self)
    }

    /// The keys the stored contact holds.
    private func keys(of contact: ContactID, in organization: OrganizationID) async throws(WAError) -> [UniqueKey] {
        var sql = SQLBuilder("SELECT kind || '|' || value FROM contact_keys WHERE organization_id = ")
        sql.append(bound: .id(organization))
        sql.append(" AND contact_id = ")
        sql.append(bound: .id(contact))
        let pairs = try await context.values(sql, as: String.self, doing: "reading a contact's keys")
        return pairs.compactMap { pair in
            guard let bar = pair.firstIndex(of: "|") else { return nil }
            return UniqueKey(String(pair[..<bar]), String(pair[pair.index(after: bar)...]))
        }
    }

    /// Writes `keys` for `contact`; returns those another contact (or an earlier key of the same call) holds.
    private func claim(_ keys: [UniqueKey], of contact: Contact) async throws(WAError) -> [UniqueKey] {
        var missing: [UniqueKey] = []
        for key in keys {
            var sql = SQLBuilder("INSERT INTO contact_keys (organization_id, kind, value, contact_id) VALUES (")
            let placeholders = [
                sql.bind(.id(contact.organizationID)), sql.bind(.text(key.name)), sql.bind(.text(key.value)),
                sql.bind(.id(contact.id)),
            ]
            sql.append(placeholders.joined(separator: ", "))
            sql.append(") ON CONFLICT DO NOTHING RETURNING 1")
            if try await context.count(sql, doing: "claiming a contact's \(key.name)") == 0 { missing.append(key) }
        }
        return missing
    }

    /// Deletes `keys` of `contact`.
    private func release(_ keys: [UniqueKey], of contact: Contact) async throws(WAError) {
        for key in keys {
            var sql = SQLBuilder("DELETE FROM contact_keys WHERE organization_id = ")
            sql.append(bound: .id(contact.organizationID))
            sql.append(" AND kind = ")
            sql.append(bound: .text(key.name))
            sql.append(" AND value = ")
            sql.append(bound: .text(key.value))
            sql.append(" AND contact_id = ")
            sql.append(bound: .id(contact.id))
            _ = try await context.count(sql, doing: "releasing a contact's \(key.name)")
        }
    }
}
