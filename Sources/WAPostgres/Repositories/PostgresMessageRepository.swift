import Foundation
import WACore

/// Messages: the generic repository for the row, and, in the same transaction, the milestones each insert and
/// update newly reached filed into the rollups (``PostgresRollupRepository``) and, for a known contact, its
/// activity (``PostgresContactActivityRepository``), as ``WACore/MessageRollupRepository`` requires.
///
/// An update reads the stored message first (to know which milestones are new); a concurrent change between that
/// read and the update fails the update's version check, so the milestones are filed against exactly the row
/// replaced.
struct PostgresMessageRepository: MessageRepository, PostgresForwardingRepository {
    let base: PostgresEntityRepository<MessageMapping>

    func insert(_ entity: Message) async throws(WAError) -> Message {
        let stored = try await base.insert(entity)
        try await file(MessageEvent.events(for: stored), of: stored)
        return stored
    }

    func update(_ entity: Message) async throws(WAError) -> Message {
        let previous = try await base.find(entity.id, in: entity.organizationID)
        let stored = try await base.update(entity)
        if let previous, previous.version == entity.version {
            try await file(MessageEvent.events(advancing: stored, from: previous.timestamps), of: stored)
        }
        return stored
    }

    func find(idempotencyKey: String, instance: InstanceID, in organization: OrganizationID) async throws(WAError)
        -> Message?
    {
        try await base.find(
            matching: [("instance_id", .id(instance)), ("idempotency_key", .text(idempotencyKey))], in: organization)
    }

    func find(whatsappID: String, instance: InstanceID, in organization: OrganizationID) async throws(WAError)
        -> Message?
    {
        try await base.find(
            matching: [("instance_id", .id(instance)), ("whatsapp_id", .text(whatsappID))], in: organization)
    }

    /// One statement on `messages_reply_candidates`: the chat's outbound messages not replied to, sent in the
    /// window, latest first, the first of them locked.
    func replyCandidate(
        chat: JID, instance: InstanceID, arrival: Date, window: Duration, in organization: OrganizationID
    ) async throws(WAError) -> Message? {
        try context.requireUsable(for: organization, "message")
        let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
        var sql = SQLBuilder("SELECT data::text FROM messages WHERE organization_id = ")
        sql.append(bound: .id(organization))
        sql.append(" AND instance_id = ")
        sql.append(bound: .id(instance))
        sql.append(" AND chat_jid = ")
        sql.append(bound: .text(chat.description))
        sql.append(" AND direction = 'outbound' AND replied_at IS NULL AND sent_at <= ")
        sql.append(bound: .date(arrival))
        sql.append(" AND sent_at >= ")
        sql.append(bound: .date(arrival.addingTimeInterval(-seconds)))
        sql.append(" ORDER BY sent_at DESC, id DESC LIMIT 1 FOR UPDATE")
        let texts = try await context.values(sql, as: String.self, doing: "finding the message a reply answers")
        return try texts.first.map { text throws(WAError) in try context.decode(text, as: Message.self) }
    }

    /// Files `events` of `message` into the rollups and its contact's activity.
    private func file(_ events: [MessageEvent], of message: Message) async throws(WAError) {
        guard !events.isEmpty else { return }
        try await PostgresRollupRepository(context: context)
            .add(RollupFigures.increments(for: events), in: message.organizationID)
        if let contact = message.contactID {
            try await PostgresContactActivityRepository(context: context)
                .record(events, of: contact, in: message.organizationID)
        }
    }
}
