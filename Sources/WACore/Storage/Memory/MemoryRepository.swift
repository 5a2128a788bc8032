/// The one generic repository behind every aggregate of ``MemoryStore``.
struct MemoryRepository<Entity: StoredEntity>: Repository {
    let transaction: MemoryTransaction

    func insert(_ entity: Entity) async throws(WAError) -> Entity {
        try transaction.withTable(Entity.self, for: entity.organizationID) { table, undo throws(WAError) in
            if table.rows[entity.id] != nil {
                throw WAError(.alreadyExists, "a \(Entity.entityName) with this id exists", field: "id")
            }
            if let key = table.conflict(for: entity) ?? table.selfConflict(for: entity) {
                throw WAError(.alreadyExists, "a \(Entity.entityName) with this \(key.name) exists", field: key.name)
            }
            var stored = entity
            stored.version = 1
            table.put(stored)
            undo.append { table.remove(stored.id) }
            return stored
        }
    }

    func find(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError) -> Entity? {
        try transaction.withTable(Entity.self, for: organization) { table, _ in table.row(id, in: organization) }
    }

    /// As ``find(_:in:)``: the store runs one transaction at a time, so every row is as good as locked.
    func findForUpdate(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError) -> Entity? {
        try await find(id, in: organization)
    }

    func update(_ entity: Entity) async throws(WAError) -> Entity {
        try transaction.withTable(Entity.self, for: entity.organizationID) { table, undo throws(WAError) in
            if Entity.isAppendOnly {
                throw WAError(.immutableRecord, "\(Entity.entityName) records cannot be changed")
            }
            guard let old = table.row(entity.id, in: entity.organizationID) else {
                throw .notFound(Entity.entityName)
            }
            guard old.version == entity.version else {
                throw WAError(
                    .versionConflict, "the \(Entity.entityName) was changed by someone else; read it again",
                    field: "version")
            }
            if let key = table.conflict(for: entity) ?? table.selfConflict(for: entity) {
                throw WAError(.alreadyExists, "a \(Entity.entityName) with this \(key.name) exists", field: key.name)
            }
            var stored = entity
            stored.version = old.version + 1
            table.put(stored)
            undo.append { table.put(old) }
            return stored
        }
    }

    func delete(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError) {
        try transaction.withTable(Entity.self, for: organization) { table, undo throws(WAError) in
            if Entity.isAppendOnly {
                throw WAError(.immutableRecord, "\(Entity.entityName) records cannot be deleted")
            }
            guard let old = table.row(id, in: organization) else { throw .notFound(Entity.entityName) }
            table.remove(id)
            undo.append { table.put(old) }
        }
        if Entity.self == Contact.self {
            // A contact's activity goes with it (ContactActivityRepository).
            let contact: ContactID = id.retyped()
            try transaction.withActivities(of: organization) { activities, undo in
                guard let before = activities.byContact.removeValue(forKey: contact) else { return }
                undo.append { activities.byContact[contact] = before }
            }
        }
    }

    func list(in organization: OrganizationID, where filter: Entity.Filter, page: PageRequest)
        async throws(WAError) -> Page<Entity>
    {
        try transaction.withTable(Entity.self, for: organization) { table, _ in
            table.page(in: organization, where: filter, page: page)
        }
    }

    func count(in organization: OrganizationID, where filter: Entity.Filter) async throws(WAError) -> Int {
        try transaction.withTable(Entity.self, for: organization) { table, _ in
            table.count(in: organization, where: filter)
        }
    }

    /// A row found through a unique key, visible only if the transaction may see its organization.
    func find(unique key: UniqueKey, in organization: OrganizationID?) throws(WAError) -> Entity? {
        let row = try transaction.withTable(Entity.self, for: organization) { table, _ in
            table.row(unique: key, in: organization)
        }
        guard let row, transaction.scope.permits(row.organizationID) else { return nil }
        return row
    }
}

extension MemoryRepository: OrganizationRepository where Entity == Organization {
    func find(slug: String) async throws(WAError) -> Organization? {
        try find(unique: UniqueKey("slug", slug, global: true), in: nil)
    }

    func purge(_ organization: OrganizationID) async throws(WAError) {
        guard try await find(organization, in: organization) != nil else { throw .notFound(Organization.entityName) }
        try transaction.purge(organization)
    }

    func all(after: OrganizationID?, limit: Int) async throws(WAError) -> [Organization] {
        guard transaction.scope == .system else {
            throw WAError(.tenantMismatch, "listing every organization needs a system-scope transaction")
        }
        guard limit > 0 else { return [] }
        return try transaction.withTable(Organization.self, for: nil) { table, _ in
            let later = table.rows.values.filter { organization in after.map { organization.id > $0 } ?? true }
            return Array(later.sorted { $0.id < $1.id }.prefix(limit))
        }
    }
}

extension MemoryRepository: MemberRepository where Entity == Member {
    func find(email: String, in organization: OrganizationID) async throws(WAError) -> Member? {
        try find(unique: UniqueKey("email", email.lowercased()), in: organization)
    }
}

extension MemoryRepository: APIKeyRepository where Entity == APIKey {
    func find(lookupID: String) async throws(WAError) -> APIKey? {
        try find(unique: UniqueKey("lookup_id", lookupID, global: true), in: nil)
    }
}

extension MemoryRepository: InstanceRepository where Entity == Instance {
    func find(name: String, in organization: OrganizationID) async throws(WAError) -> Instance? {
        try find(unique: UniqueKey("name", name), in: organization)
    }

    func desiredRunning(after: InstanceID?, limit: Int) async throws(WAError) -> [Instance] {
        guard transaction.scope == .system else {
            throw WAError(.tenantMismatch, "listing the instances to run needs a system-scope transaction")
        }
        guard limit > 0 else { return [] }
        return try transaction.withTable(Instance.self, for: nil) { table, _ in
            let running = table.rows.values.filter { instance in
                instance.desiredState == .running && after.map { instance.id > $0 } ?? true
            }
            return Array(running.sorted { $0.id < $1.id }.prefix(limit))
        }
    }
}

extension MemoryRepository: ContactRepository where Entity == Contact {
    func find(phone: PhoneNumber, in organization: OrganizationID) async throws(WAError) -> Contact? {
        try find(unique: UniqueKey("phone", phone.e164), in: organization)
    }

    func find(jid: JID, in organization: OrganizationID) async throws(WAError) -> Contact? {
        try find(unique: UniqueKey("jid", jid.description), in: organization)
    }

    func find(phones: Set<PhoneNumber>, in organization: OrganizationID) async throws(WAError) -> [Contact] {
        var found: [Contact] = []
        for phone in phones {
            if let contact = try find(unique: UniqueKey("phone", phone.e164), in: organization) { found.append(contact) }
        }
        return found
    }
}

extension MemoryRepository: ChatRepository where Entity == Chat {
    func find(jid: JID, instance: InstanceID, in organization: OrganizationID) async throws(WAError) -> Chat? {
        try find(unique: UniqueKey("jid", "\(instance)/\(jid)"), in: organization)
    }
}

extension MemoryRepository: TemplateRepository where Entity == Template {
    func find(name: String, in organization: OrganizationID) async throws(WAError) -> Template? {
        try find(unique: UniqueKey("name", name), in: organization)
    }
}

extension MemoryRepository: DeliveryRepository where Entity == Delivery {
    func find(eventID: String, endpoint: WebhookEndpointID, in organization: OrganizationID) async throws(WAError)
        -> Delivery?
    {
        try find(unique: UniqueKey("event_id", "\(endpoint)/\(eventID)"), in: organization)
    }
}
