public import Foundation

/// Storage for one aggregate, scoped by organization.
///
/// Every call names the organization; a call inside a transaction opened for another organization fails with
/// ``WAError/Code-swift.enum/tenantMismatch`` before it touches anything. Writes are optimistic: ``update(_:)``
/// succeeds only if the stored ``StoredEntity/version`` equals the one passed in, and returns the record with the
/// version incremented. Errors are always ``WAError``; adapters never leak their own error text.
public protocol Repository<Entity>: Sendable {
    associatedtype Entity: StoredEntity

    /// Stores a new record and returns it as stored (version 1).
    /// Fails with `already_exists` (field: the unique constraint's name, or `id`).
    func insert(_ entity: Entity) async throws(WAError) -> Entity

    /// The record with `id` in `organization`, or `nil`.
    func find(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError) -> Entity?

    /// The record with `id` in `organization`, or `nil`, locked until the transaction ends (PostgreSQL: `SELECT …
    /// FOR UPDATE`): a concurrent transaction that locks, updates or deletes it waits until this one commits or
    /// rolls back, and then reads what this one left. This is the contract's locking read: lock a row that stands
    /// for a group (the organization for its plan limits, a proxy for its load) before counting the group and
    /// writing to it, so that two transactions cannot both count, then both write.
    func findForUpdate(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError) -> Entity?

    /// Replaces a record. Fails with `not_found`, with `version_conflict` if someone else updated it since it was
    /// read, or with `already_exists` if it now collides with another record's unique key.
    func update(_ entity: Entity) async throws(WAError) -> Entity

    /// Deletes a record; fails with `not_found` if there is none.
    func delete(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError)

    /// A page of records matching `filter`, in identifier (creation-time) order.
    func list(in organization: OrganizationID, where filter: Entity.Filter, page: PageRequest)
        async throws(WAError) -> Page<Entity>

    /// How many records match `filter`.
    func count(in organization: OrganizationID, where filter: Entity.Filter) async throws(WAError) -> Int
}

extension Repository {
    /// The record with `id`, or `not_found`.
    public func get(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError) -> Entity {
        guard let entity = try await find(id, in: organization) else { throw .notFound(Entity.entityName) }
        return entity
    }

    /// The record with `id`, locked until the transaction ends (``findForUpdate(_:in:)``), or `not_found`.
    public func getForUpdate(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError) -> Entity
    {
        guard let entity = try await findForUpdate(id, in: organization) else {
            throw .notFound(Entity.entityName)
        }
        return entity
    }

    /// Inserts a record that a lookup in this transaction has just found missing (get-or-create). If a concurrent
    /// transaction inserted one with the same unique key since (under READ COMMITTED the lookup cannot prevent
    /// that), the insert's `already_exists` becomes `storage_conflict`: the whole transaction is to run again, and
    /// will then find the record. Call it inside ``Store/transaction(_:retryingConflicts:_:)``.
    public func insertMissing(_ entity: Entity) async throws(WAError) -> Entity {
        do {
            return try await insert(entity)
        } catch where error.code == .alreadyExists {
            throw WAError(
                .storageConflict,
                "a concurrent transaction created the \(Entity.entityName) first (\(error.field ?? "unique key"))",
                field: error.field)
        }
    }

    /// Deletes the record with `id` if there is one: a record already gone (deleted by a concurrent transaction
    /// since it was read) is no error.
    public func deleteIfPresent(_ id: Identifier<Entity>, in organization: OrganizationID) async throws(WAError) {
        do {
            try await delete(id, in: organization)
        } catch where error.code == .notFound {
            return
        }
    }

    /// A page of every record.
    public func list(in organization: OrganizationID, page: PageRequest = .first) async throws(WAError) -> Page<Entity>
    {
        try await list(in: organization, where: Entity.Filter(), page: page)
    }

    /// Reads, changes and writes a record in one step, retrying nothing: a concurrent change is a
    /// `version_conflict` for the caller to handle.
    @discardableResult
    public func modify(
        _ id: Identifier<Entity>, in organization: OrganizationID, _ change: (inout Entity) throws(WAError) -> Void
    ) async throws(WAError) -> Entity {
        var entity = try await get(id, in: organization)
        try change(&entity)
        return try await update(entity)
    }
}

/// Organizations, with the global lookup by slug used at sign-in.
public protocol OrganizationRepository: Repository where Entity == Organization {
    /// The organization with `slug`, from any tenant (system scope) or the transaction's own.
    func find(slug: String) async throws(WAError) -> Organization?

    /// Every organization, in identifier order: at most `limit` of them (none when `limit` is not positive),
    /// starting after `after` (from the first when `nil`). For the gateway's upkeep across tenants.
    ///
    /// Fails with `tenant_mismatch` unless the transaction has system scope.
    func all(after: OrganizationID?, limit: Int) async throws(WAError) -> [Organization]

    /// Deletes `organization` and everything it owns: every record of every repository of this transaction (audit
    /// events included: the one deletion they allow), its event log and its consumers, its message rollups and
    /// contact activities. Rate-limit state expires on its own; media bytes are the ``MediaStore``'s
    /// (``MediaStore/removeAll(in:)``). `not_found` when there is no such organization.
    func purge(_ organization: OrganizationID) async throws(WAError)
}

/// Members, with lookup by e-mail within an organization.
public protocol MemberRepository: Repository where Entity == Member {
    func find(email: String, in organization: OrganizationID) async throws(WAError) -> Member?
}

/// API keys, with the one cross-tenant lookup the system needs: by the public lookup id in a presented key.
public protocol APIKeyRepository: Repository where Entity == APIKey {
    /// The key whose lookup id is `lookupID`, in any organization when the transaction has system scope.
    func find(lookupID: String) async throws(WAError) -> APIKey?
}

/// Instances, with lookup by name and the one cross-tenant query the supervisors need.
public protocol InstanceRepository: Repository where Entity == Instance {
    func find(name: String, in organization: OrganizationID) async throws(WAError) -> Instance?

    /// The instances of every organization whose ``Instance/desiredState`` is ``InstanceDesiredState/running``,
    /// in identifier order: at most `limit` of them (none when `limit` is not positive), starting after `after`
    /// (from the first when `nil`). Pass the last identifier of a page to get the next one.
    ///
    /// Fails with `tenant_mismatch` unless the transaction has system scope.
    func desiredRunning(after: InstanceID?, limit: Int) async throws(WAError) -> [Instance]
}

/// Contacts, findable by phone number or by either of their JIDs.
public protocol ContactRepository: Repository where Entity == Contact {
    func find(phone: PhoneNumber, in organization: OrganizationID) async throws(WAError) -> Contact?
    /// The contact whose ``Contact/jid`` or ``Contact/lid`` is `jid`.
    func find(jid: JID, in organization: OrganizationID) async throws(WAError) -> Contact?
    /// The contacts with any of these phone numbers, in one query (an import looks a batch up at once); numbers
    /// without a contact are left out, in no particular order.
    func find(phones: Set<PhoneNumber>, in organization: OrganizationID) async throws(WAError) -> [Contact]
}

/// Chats, unique per instance and JID.
public protocol ChatRepository: Repository where Entity == Chat {
    func find(jid: JID, instance: InstanceID, in organization: OrganizationID) async throws(WAError) -> Chat?
}

/// Messages, with the lookups idempotency and status tracking need.
public protocol MessageRepository: Repository where Entity == Message {
    /// The message sent from `instance` with the idempotency key `idempotencyKey` (keys are unique per instance).
    func find(idempotencyKey: String, instance: InstanceID, in organization: OrganizationID) async throws(WAError)
        -> Message?
    func find(whatsappID: String, instance: InstanceID, in organization: OrganizationID) async throws(WAError)
        -> Message?

    /// The outbound message an inbound message arriving at `arrival` in chat `chat` of `instance` answers, under
    /// ``ReplyAttribution``'s rule: of the chat's outbound messages not yet replied to
    /// (``Message/StatusTimestamps/repliedAt`` is `nil`) and sent at most `window` before `arrival` (and not after
    /// it), the one sent last (ties: the greatest id); `nil` when there is none. The message is locked until the
    /// transaction ends (``Repository/findForUpdate(_:in:)``), so two replies racing for it cannot both mark it.
    func replyCandidate(
        chat: JID, instance: InstanceID, arrival: Date, window: Duration, in organization: OrganizationID
    ) async throws(WAError) -> Message?
}

/// Templates, unique by name.
public protocol TemplateRepository: Repository where Entity == Template {
    func find(name: String, in organization: OrganizationID) async throws(WAError) -> Template?
}

/// Webhook deliveries, unique per endpoint and event.
public protocol DeliveryRepository: Repository where Entity == Delivery {
    func find(eventID: String, endpoint: WebhookEndpointID, in organization: OrganizationID) async throws(WAError)
        -> Delivery?
}
