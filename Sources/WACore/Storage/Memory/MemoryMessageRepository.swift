import Foundation

/// The ``MessageRepository`` of a ``MemoryTransaction``: the generic repository, plus the rollups every insert
/// and update keeps (``MessageRollupRepository``).
struct MemoryMessageRepository: MessageRepository {
    let base: MemoryRepository<Message>

    init(transaction: MemoryTransaction) {
        base = MemoryRepository(transaction: transaction)
    }

    func insert(_ entity: Message) async throws(WAError) -> Message {
        let stored = try await base.insert(entity)
        try file(MessageEvent.events(for: stored), of: stored)
        return stored
    }

    func update(_ entity: Message) async throws(WAError) -> Message {
        let previous = try await base.find(entity.id, in: entity.organizationID)
        let stored = try await base.update(entity)
        if let previous {
            try file(MessageEvent.events(advancing: stored, from: previous.timestamps), of: stored)
        }
        return stored
    }

    /// Adds `events` to the rollups and, for a message of a known contact, to the contact's activity.
    private func file(_ events: [MessageEvent], of message: Message) throws(WAError) {
        guard !events.isEmpty else { return }
        let increments = RollupFigures.increments(for: events)
        try base.transaction.withRollups(of: message.organizationID) { rollups, undo in
            for (slot, figures) in increments {
                let before = rollups.slots[slot]
                rollups.slots[slot, default: RollupFigures()].merge(figures)
                undo.append { rollups.slots[slot] = before }
            }
        }
        // A contact that no longer exists (its messages may outlive it) gets no activity.
        guard let contact = message.contactID,
            try base.transaction.withTable(Contact.self, for: message.organizationID, { table, _ in
                table.row(contact, in: message.organizationID) != nil
            })
        else { return }
        try base.transaction.withActivities(of: message.organizationID) { activities, undo in
            let before = activities.byContact[contact]
            var activity = before ?? ContactActivity(contactID: contact, recentLimit: ContactActivity.storedRecentLimit)
            for event in events { activity.record(event) }
            activities.byContact[contact] = activity
            undo.append { activities.byContact[contact] = before }
        }
    }

    func find(_ id: MessageID, in organization: OrganizationID) async throws(WAError) -> Message? {
        try await base.find(id, in: organization)
    }

    func findForUpdate(_ id: MessageID, in organization: OrganizationID) async throws(WAError) -> Message? {
        try await base.findForUpdate(id, in: organization)
    }

    func delete(_ id: MessageID, in organization: OrganizationID) async throws(WAError) {
        try await base.delete(id, in: organization)
    }

    func list(in organization: OrganizationID, where filter: Message.Filter, page: PageRequest)
        async throws(WAError) -> Page<Message>
    {
        try await base.list(in: organization, where: filter, page: page)
    }

    func count(in organization: OrganizationID, where filter: Message.Filter) async throws(WAError) -> Int {
        try await base.count(in: organization, where: filter)
    }

    func find(idempotencyKey: String, instance: InstanceID, in organization: OrganizationID) async throws(WAError)
        -> Message?
    {
        try base.find(unique: UniqueKey("idempotency_key", "\(instance)/\(idempotencyKey)"), in: organization)
    }

    func find(whatsappID: String, instance: InstanceID, in organization: OrganizationID) async throws(WAError)
        -> Message?
    {
        try base.find(unique: UniqueKey("whatsapp_id", "\(instance)/\(whatsappID)"), in: organization)
    }

    func replyCandidate(
        chat: JID, instance: InstanceID, arrival: Date, window: Duration, in organization: OrganizationID
    ) async throws(WAError) -> Message? {
        let earliest = arrival.subtracting(window)
        return try base.transaction.withTable(Message.self, for: organization) { table, _ in
            var best: Message?
            for message in table.all(in: organization)
            where message.instanceID == instance && message.chatJID == chat
                && message.direction == .outbound && message.timestamps.repliedAt == nil
            {
                guard let sentAt = message.timestamps.sentAt, sentAt <= arrival, sentAt >= earliest else { continue }
                if let current = best, let currentSent = current.timestamps.sentAt,
                    (currentSent, current.id) > (sentAt, message.id)
                {
                    continue
                }
                best = message
            }
            return best
        }
    }
}
